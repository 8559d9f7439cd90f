"""Twilio signatures: known-answer vectors, and the webhook's 200 / 403 answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core import AppContext, SignatureChecker
from tests.support import AUTH_TOKEN, CALLER, PUBLIC_BASE, call_params, sign
from transcripts import Call

VOICE_URL = f"{PUBLIC_BASE}/twilio/voice"


def test_twilio_known_answer_vector() -> None:
    # From twilio-python's own test suite (token 12345): our checker must reproduce it.
    checker = SignatureChecker("12345", "https://mycompany.com")
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert checker.check_webhook(
        "/myapp.php", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", query="foo=1&bar=2"
    )
    assert not checker.check_webhook("/myapp.php", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_upgrade_is_checked_against_the_wss_url() -> None:
    checker = SignatureChecker(AUTH_TOKEN, PUBLIC_BASE)
    good = sign("wss://standardiste.example.org/twilio/media", {})
    assert checker.check_upgrade("/twilio/media", good)
    assert not checker.check_upgrade("/twilio/media", sign(f"{PUBLIC_BASE}/twilio/media", {}))
    assert not checker.check_upgrade("/twilio/media", None)


def test_stream_token_is_per_call() -> None:
    checker = SignatureChecker(AUTH_TOKEN, PUBLIC_BASE)
    token = checker.stream_token("CA1")
    assert checker.check_stream_token("CA1", token)
    assert not checker.check_stream_token("CA2", token)
    assert not checker.check_stream_token("CA1", None)


def _post(client: TestClient, params: dict[str, str], signature: str | None):
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return client.post("/twilio/voice", data=params, headers=headers)


def test_signed_webhook_gets_twiml(client: TestClient, context: AppContext) -> None:
    params = call_params()
    reply = _post(client, params, sign(VOICE_URL, params))
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(reply.text)
    assert root.tag == "Response"
    with context.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
    assert call is not None and call.caller == CALLER


@pytest.mark.parametrize(
    "signature",
    [
        "forged+signature/AAAAAAAAAAAAAAA=",  # forged
        None,  # missing
        sign("https://other-host.example.org/twilio/voice", call_params()),  # wrong URL
        sign(VOICE_URL, call_params(), token="ffffffffffffffffffffffffffffffff"),  # wrong token
        sign(VOICE_URL, call_params(From="+33699999999")),  # parameter tampered after signing
    ],
    ids=["forged", "missing", "wrong-url", "wrong-token", "tampered"],
)
def test_unsigned_webhook_gets_403_and_nothing_else(
    client: TestClient, context: AppContext, signature: str | None
) -> None:
    params = call_params()
    reply = _post(client, params, signature)
    assert reply.status_code == 403
    assert "<Response" not in reply.text
    with context.db.session() as session:
        assert session.scalar(select(Call)) is None


def test_status_callback_is_signed_and_closes_the_call(
    client: TestClient, context: AppContext
) -> None:
    params = call_params()
    assert _post(client, params, sign(VOICE_URL, params)).status_code == 200
    status = call_params(CallStatus="completed", CallDuration="49")
    url = f"{PUBLIC_BASE}/twilio/status"
    assert client.post("/twilio/status", data=status).status_code == 403
    reply = client.post(
        "/twilio/status", data=status, headers={"X-Twilio-Signature": sign(url, status)}
    )
    assert reply.status_code == 204
    with context.db.session() as session:
        call = session.scalar(select(Call))
    assert call is not None and call.status == "completed" and call.duration_s == 49
    assert call.ended_at is not None


def test_twilio_retry_is_idempotent(client: TestClient, context: AppContext) -> None:
    params = call_params()
    for _ in range(2):
        assert _post(client, params, sign(VOICE_URL, params)).status_code == 200
    with context.db.session() as session:
        assert len(session.scalars(select(Call)).all()) == 1
