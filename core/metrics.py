"""Prometheus metrics shared by the components (they observe; they are not called inline)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CALLS = Counter("standardiste_calls_total", "Incoming calls by who answered.", ["answered_by"])
CALL_OUTCOMES = Counter("standardiste_call_outcomes_total", "Ended calls by outcome.", ["outcome"])
TURNS = Counter("standardiste_turns_total", "Caller turns handled.", ["channel"])
TURN_LATENCY = Histogram(
    "standardiste_turn_latency_seconds",
    "Time from the end of a caller turn to the first reply, by stage.",
    ["stage"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
)
WEBHOOK_REJECTED = Counter(
    "standardiste_webhook_rejected_total", "Twilio requests refused (bad signature).", ["route"]
)
SWEPT_CALLS = Counter(
    "standardiste_swept_calls_total",
    "Calls closed by a sweeper: their instance died (dropped) or their stream never came.",
    ["reason"],
)
SMS_TEXTS = Counter(
    "standardiste_sms_texts_total",
    "Texts to patients by kind and outcome (sent, found after a crash, failed, retry, skipped).",
    ["kind", "outcome"],
)
SMS_REPLIES = Counter(
    "standardiste_sms_replies_total", "Texts received from patients, by what was done.", ["action"]
)
