"""Every request that claims to come from Twilio proves it, or is refused and leaves no trace.

Webhooks carry ``X-Twilio-Signature`` over the public https URL and the form; the media
WebSocket's upgrade is signed over the wss URL, and its ``start`` message must carry the token
the signed webhook put in the TwiML for that very CallSid. Signatures come from the twilio
library (`tests.support.sign`), as Twilio computes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from starlette.websockets import WebSocketDisconnect

import transcripts
from core import AppContext
from standardiste.app import create_app
from standardiste.simulator import parse_twiml
from telephony.tts_piper import PromptAudio
from telephony.voice_service import VoiceService
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.security.conftest import SecureApp
from tests.support import AUTH_TOKEN, PUBLIC_BASE, call_params, sign

WEBHOOKS = ("/twilio/voice", "/twilio/status", "/twilio/connect-action")
MEDIA = "/twilio/media"
WSS = PUBLIC_BASE.replace("https://", "wss://") + MEDIA
OTHER_TOKEN = "fedcba9876543210fedcba9876543210"
POLICY_VIOLATION = 1008


def _rejected(route: str) -> float:
    value = REGISTRY.get_sample_value("standardiste_webhook_rejected_total", {"route": route})
    return value or 0.0


def _post(web: TestClient, path: str, params: dict[str, str], signature: str | None) -> int:
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return web.post(path, data=params, headers=headers).status_code


def _call_sid(n: int) -> str:
    return f"CA{n:032x}"


@pytest.mark.parametrize("path", WEBHOOKS)
def test_forged_webhooks_are_refused(web: TestClient, path: str) -> None:
    params = call_params(_call_sid(1), CallStatus="completed", CallDuration="12")
    url = f"{PUBLIC_BASE}{path}"
    before = _rejected(path)
    tampered = {**params, "From": "+33699999999"}
    forgeries = {
        "missing": None,
        "empty": "",
        "garbage": "forged",
        "another auth token": sign(url, params, token=OTHER_TOKEN),
        "another route's URL": sign(f"{PUBLIC_BASE}/twilio/other", params),
        "the address behind the proxy": sign(f"http://testserver{path}", params),
        "another host": sign(f"https://evil.example.org{path}", params),
    }
    for name, signature in forgeries.items():
        assert _post(web, path, params, signature) == 403, name
    # A signature is over the whole form: a changed or an added field breaks it.
    assert _post(web, path, tampered, sign(url, params)) == 403
    assert _post(web, path, {**params, "Extra": "1"}, sign(url, params)) == 403
    # ... and over the query string.
    signature = {"X-Twilio-Signature": sign(url, params)}
    assert web.post(f"{path}?x=1", data=params, headers=signature).status_code == 403
    assert _rejected(path) - before == len(forgeries) + 3
    assert _post(web, path, params, sign(url, params)) in (200, 204)


def test_a_signature_for_one_webhook_does_not_open_another(web: TestClient) -> None:
    params = call_params(_call_sid(2))
    voice = sign(f"{PUBLIC_BASE}/twilio/voice", params)
    for path in ("/twilio/status", "/twilio/connect-action"):
        assert _post(web, path, params, voice) == 403


def test_a_refused_webhook_leaves_no_call_record(web: TestClient, secure_app: SecureApp) -> None:
    call_sid = _call_sid(3)
    params = call_params(call_sid)
    assert _post(web, "/twilio/voice", params, sign("x", params, token=OTHER_TOKEN)) == 403
    with secure_app.context.db.session() as session:
        assert transcripts.get_call(session, call_sid) is None
    reply = web.post(
        "/twilio/voice",
        data=params,
        headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}/twilio/voice", params)},
    )
    assert reply.status_code == 200
    with secure_app.context.db.session() as session:
        assert transcripts.get_call(session, call_sid) is not None


def test_without_an_auth_token_every_twilio_request_is_refused(context: AppContext) -> None:
    # Fail closed: an unset TWILIO_AUTH_TOKEN must not mean "no check".
    context.settings = context.settings.model_copy(update={"twilio_auth_token": None})
    client = TestClient(create_app(context=context), base_url=PUBLIC_BASE)
    params = call_params(_call_sid(4))
    for path in WEBHOOKS:
        for token in (AUTH_TOKEN, ""):
            signature = sign(f"{PUBLIC_BASE}{path}", params, token=token) if token else "x"
            assert _post(client, path, params, signature) == 403, (path, token)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(MEDIA, headers={"X-Twilio-Signature": sign(WSS, {})}),
    ):
        pass
    assert refused.value.code == POLICY_VIOLATION


# --- the media stream ---------------------------------------------------------------------


class _Unvoiced(VoiceService):
    """A voice that fails at once: a stream that got past every check closes with 1011."""

    def prompt_audio(self, practice: Any) -> PromptAudio:
        raise RuntimeError("no voice in the security tests")


@pytest.fixture
def unvoiced(secure_app: SecureApp) -> Iterator[None]:
    context = secure_app.context
    before = context.speech
    context.speech = _Unvoiced(ScriptedRecognizerFactory(()), None)  # type: ignore[arg-type]
    yield
    context.speech = before


def _stream_parameters(web: TestClient, call_sid: str) -> dict[str, str]:
    """What the signed incoming-call webhook hands the stream for this call."""
    params = call_params(call_sid)
    reply = web.post(
        "/twilio/voice",
        data=params,
        headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}/twilio/voice", params)},
    )
    assert reply.status_code == 200
    url, custom = parse_twiml(reply.text)
    assert url == WSS and custom["callSid"] == call_sid and custom["token"]
    return custom


def _start(call_sid: str, custom: dict[str, str]) -> str:
    return json.dumps({
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": "MZ" + "0" * 32,
        "start": {
            "callSid": call_sid,
            "accountSid": "AC" + "0" * 32,
            "streamSid": "MZ" + "0" * 32,
            "tracks": ["inbound"],
            "customParameters": custom,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
    })


def _close_code(web: TestClient, frames: list[str], signature: str | None = None) -> int:
    """The code the gateway closes the stream with after ``frames`` (signed upgrade)."""
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(WSS, {})}
    with web.websocket_connect(MEDIA, headers=headers) as ws:
        ws.send_text(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        for frame in frames:
            ws.send_text(frame)
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_text()
    return closed.value.code


def test_forged_upgrades_are_refused_before_accept(web: TestClient) -> None:
    forgeries = {
        "missing": None,
        "garbage": "forged",
        "another auth token": sign(WSS, {}, token=OTHER_TOKEN),
        "the https URL": sign(f"{PUBLIC_BASE}{MEDIA}", {}),
        "another route's URL": sign(PUBLIC_BASE.replace("https", "wss") + "/twilio/voice", {}),
        "the address behind the proxy": sign(f"ws://testserver{MEDIA}", {}),
    }
    before = _rejected(MEDIA)
    for name, signature in forgeries.items():
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            web.websocket_connect(MEDIA, headers=headers),
        ):
            pass
        assert refused.value.code == POLICY_VIOLATION, name
    assert _rejected(MEDIA) - before == len(forgeries)


def test_a_stream_token_only_opens_its_own_call(web: TestClient, unvoiced: None) -> None:
    mine, other = _call_sid(10), _call_sid(11)
    custom = _stream_parameters(web, mine)
    theirs = _stream_parameters(web, other)
    refused = {
        "no token": (mine, {k: v for k, v in custom.items() if k != "token"}),
        "a made-up token": (mine, {**custom, "token": "0" * 32}),
        "a non-ASCII token": (mine, {**custom, "token": "é" * 32}),
        "the token of another call": (mine, {**custom, "token": theirs["token"]}),
        "replayed for another CallSid": (other, custom),
        "callSid parameter of another call": (other, {**custom, "token": theirs["token"]}),
    }
    for name, (call_sid, parameters) in refused.items():
        assert _close_code(web, [_start(call_sid, parameters)]) == POLICY_VIOLATION, name
    assert _close_code(web, ['{"event": "media"}'] * 10) == POLICY_VIOLATION
    # The real pair gets past every check (then the voice fails: 1011, not 1008).
    assert _close_code(web, [_start(mine, custom)]) == 1011
