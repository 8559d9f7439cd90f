"""The caller after a gateway instance died mid-call: Twilio asks the connect action what next,
gets a new stream in message-taking mode (served by whichever instance the load balancer picks),
hears an apology and can leave a message; if the caller leaves without one, what was said before
the drop still reaches the inbox, and the dead instance's holds are let go.

The dead instance is played by the call record it left (streaming on ``gw-dead``, the caller's
words, a held slot); the surviving one is a live gateway on a real port, with the real
speech models, driven over the signed webhook and the signed WebSocket as Twilio does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import transcripts
from standardiste.migrate import upgrade
from standardiste.simulator import parse_twiml
from tests.conftest import LiveGateway
from tests.faults.support import hold_a_slot, live_holds, say
from tests.support import CALLER, PUBLIC_BASE, call_params, free_port, make_settings, sign

WSS = PUBLIC_BASE.replace("https://", "wss://") + "/twilio/media"
SAID = ("je voudrais un rendez-vous", "jeudi matin")


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[LiveGateway]:
    """The surviving instance: a gateway on a real port, over the test's database."""
    settings = make_settings(tmp_path, standardiste_instance="gw-survivor")
    upgrade(settings.database_url)
    live = LiveGateway(settings, free_port())
    live.start()
    yield live
    live.stop()


def _post(http: httpx.Client, path: str, params: dict[str, str]) -> httpx.Response:
    signature = sign(f"{PUBLIC_BASE}{path}", params)
    answer = http.post(path, data=params, headers={"X-Twilio-Signature": signature})
    answer.raise_for_status()
    return answer


def _call_left_by_a_dead_instance(gateway: LiveGateway, http: httpx.Client) -> str:
    call_sid = "CA" + uuid.uuid4().hex
    _post(http, "/twilio/voice", call_params(call_sid))
    context = gateway.context
    with context.db.session() as session:
        assert transcripts.claim_call(session, call_sid=call_sid, instance="gw-dead",
                                      now=dt.datetime.now(dt.UTC))
        say(session, call_sid, *SAID)
    hold_a_slot(context, call_sid)
    return call_sid


async def _resumed_stream(gateway: LiveGateway, call_sid: str, custom: dict[str, str]) -> None:
    """The new stream: its apology plays, then the caller hangs up (``stop``)."""
    ws = await connect(
        gateway.url.replace("http://", "ws://") + "/twilio/media",
        additional_headers={"X-Twilio-Signature": sign(WSS, {})},
        compression=None,
    )
    stream_sid = "MZ" + uuid.uuid4().hex
    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    start = {
        "streamSid": stream_sid, "callSid": call_sid, "accountSid": "AC" + "0" * 32,
        "tracks": ["inbound"], "customParameters": custom,
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }
    await ws.send(json.dumps({"event": "start", "start": start, "streamSid": stream_sid}))
    async with asyncio.timeout(120):  # the first engine load and prompt synthesis
        while json.loads(await ws.recv())["event"] != "media":
            pass
    await ws.send(json.dumps({"event": "stop", "streamSid": stream_sid,
                              "stop": {"callSid": call_sid, "accountSid": "AC" + "0" * 32}}))
    # After ``stop`` the gateway ends the call and lets the socket go (Twilio has hung up).
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(30):
            async for _frame in ws:
                pass


def test_a_dropped_call_is_resumed_once_in_message_mode(gateway: LiveGateway) -> None:
    context = gateway.context
    with httpx.Client(base_url=gateway.url, timeout=60) as http:
        call_sid = _call_left_by_a_dead_instance(gateway, http)
        action = call_params(call_sid, CallStatus="in-progress")
        answer = _post(http, "/twilio/connect-action", action)
        url, custom = parse_twiml(answer.text)
        assert url == WSS
        assert custom["mode"] == "resumed" and custom["callSid"] == call_sid
        assert custom["caller"] == CALLER and custom["token"]
        # Once only: a second drop (or a retried request) ends the call.
        again = _post(http, "/twilio/connect-action", action)
        assert "<Hangup" in again.text and "<Stream" not in again.text
    asyncio.run(_resumed_stream(gateway, call_sid, custom))
    with context.db.session() as session:
        call = transcripts.get_call(session, call_sid)
        turns = transcripts.list_turns(session, call_sid)
        [message] = transcripts.messages_for_call(session, call_sid)
    assert call is not None and call.ended_at is not None and call.instance == "gw-survivor"
    assert [t.key for t in turns if t.speaker == "assistant"][-1] == "utter_dropped_message"
    assert message.kind == "callback" and message.callback_number == CALLER
    assert message.details == {"reason": "dropped", "said": list(SAID)}
    assert live_holds(context, call_sid) == []


def test_a_call_closed_properly_is_not_resumed(gateway: LiveGateway) -> None:
    with httpx.Client(base_url=gateway.url, timeout=60) as http:
        call_sid = _call_left_by_a_dead_instance(gateway, http)
        with gateway.context.db.session() as session:
            transcripts.end_call(session, call_sid=call_sid, outcome="completed")
        answer = _post(http, "/twilio/connect-action", call_params(call_sid))
    assert "<Hangup" in answer.text and "<Stream" not in answer.text


def test_a_caller_who_hung_up_is_not_resumed(gateway: LiveGateway) -> None:
    # Twilio asks the action URL after a hang-up too, with CallStatus completed: the stream
    # stopped because the line is gone, not because an instance died.
    with httpx.Client(base_url=gateway.url, timeout=60) as http:
        call_sid = _call_left_by_a_dead_instance(gateway, http)
        answer = _post(http, "/twilio/connect-action",
                       call_params(call_sid, CallStatus="completed"))
    assert "<Hangup" in answer.text and "<Stream" not in answer.text
    with gateway.context.db.session() as session:
        call = transcripts.get_call(session, call_sid)
    assert call is not None and call.outcome is None  # left for the sweeper and status callback
