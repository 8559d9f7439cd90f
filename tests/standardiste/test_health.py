"""`/healthz` reports each dependency; `/metrics` speaks Prometheus."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support import API_TOKEN, PUBLIC_BASE, call_params, sign


def test_healthz_is_503_when_rasa_is_down(client: TestClient) -> None:
    reply = client.get("/healthz")
    assert reply.status_code == 503
    body = reply.json()
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["rasa"]["ok"] is False


def test_metrics_count_calls(client: TestClient) -> None:
    params = call_params(CallSid="CAmetrics000000000000000000000000")
    client.post(
        "/twilio/voice",
        data=params,
        headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}/twilio/voice", params)},
    )
    text = client.get("/metrics", headers={"Authorization": f"Bearer {API_TOKEN}"}).text
    assert "standardiste_calls_total{" in text
    assert "standardiste_turn_latency_seconds_bucket" in text or "standardiste_turn_latency" in text
