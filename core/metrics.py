"""Prometheus metrics shared by the components (they observe; they are not called inline)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CALLS = Counter("standardiste_calls_total", "Incoming calls by who answered.", ["answered_by"])
CALL_OUTCOMES = Counter("standardiste_call_outcomes_total", "Ended calls by outcome.", ["outcome"])
TURNS = Counter("standardiste_turns_total", "Caller turns handled.", ["channel"])
TURN_LATENCY = Histogram(
    "standardiste_turn_latency_seconds",
    "Time from the end of a caller turn to the first reply, by stage.",
    ["stage"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
)
TURN_STAGE = Histogram(
    "standardiste_turn_stage_seconds",
    "Where a caller waits for an answer, by stage: end of speech, end-of-turn decision, "
    "recognizer final, dialogue, first synthesised audio, first frame sent (and the total).",
    ["turn", "stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
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
RECOGNITION_WORKERS_UP = Gauge(
    "standardiste_recognition_workers_up", "Speech recognition worker processes running."
)
RECOGNITION_WORKER_EXITS = Counter(
    "standardiste_recognition_worker_exits_total",
    "Speech recognition workers that died, by cause (the signal, or exit-N).",
    ["cause"],
)
RECOGNITION_WORKER_RESTARTS = Counter(
    "standardiste_recognition_worker_restarts_total",
    "Speech recognition workers restarted after one died.",
)
RECOGNITION_CALLS_MOVED = Counter(
    "standardiste_recognition_calls_moved_total",
    "Calls whose recognition moved to another worker after theirs died.",
)
RECOGNITION_UTTERANCES_LOST = Counter(
    "standardiste_recognition_utterances_lost_total",
    "Utterances lost with a recognition worker (the caller was asked to repeat).",
)
