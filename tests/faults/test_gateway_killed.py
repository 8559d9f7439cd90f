"""A gateway instance killed mid-call: another instance's sweeper closes the call record, leaves an
inbox message and releases the slot the call held.

The doomed instance is a real `standardiste serve` process (packaged speech models, a file
database shared with this test, which plays the second instance). The call is opened like
Twilio does (signed webhook, signed WebSocket upgrade, ``start``); once the greeting plays and
the heartbeat names the instance, it is killed with SIGKILL: nothing of it runs any more.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import transcripts
from core import AppContext
from standardiste.app import build_context
from standardiste.migrate import upgrade
from standardiste.simulator import parse_twiml, sign
from standardiste.sweeping import sweep_once
from tests.faults.support import hold_a_slot, live_holds
from tests.support import (
    AUTH_TOKEN,
    CALLER,
    GATEWAY_START_S,
    PUBLIC_BASE,
    call_params,
    free_port,
    make_settings,
)

DOOMED = "gw-doomed"
WSS = PUBLIC_BASE.replace("https://", "wss://") + "/twilio/media"


class Gateway:
    """`standardiste serve` in a subprocess, on a real port."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items()
               if k not in ("VOSK_MODEL_PATH", "PIPER_VOICE_PATH")}
        env.update(
            DATABASE_URL=database_url,
            STANDARDISTE_VAR_DIR=str(tmp_path / "var"),
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            PUBLIC_BASE_URL=PUBLIC_BASE,
            RASA_URL="http://127.0.0.1:9",
            STANDARDISTE_PORT=str(self.port),
            STANDARDISTE_INSTANCE=DOOMED,
            STANDARDISTE_HEARTBEAT_S="0.5",
            VOSK_WARM_RECOGNIZERS="2",  # a test's calls; more would only cost the suite CPU
        )
        self.log = (tmp_path / "gateway.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "standardiste", "serve"],
            env=env, cwd=tmp_path, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + GATEWAY_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gateway exited; see {self.log.name}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)  # 503 while Rasa is absent: fine
                return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gateway did not start in {GATEWAY_START_S} s; see {self.log.name}")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self.log.close()


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[tuple[AppContext, Gateway]]:
    """This test's instance (a context) and the doomed one, on one file database."""
    settings = make_settings(tmp_path, standardiste_instance="gw-survivor")
    upgrade(settings.database_url)
    context = build_context(settings)
    gateway = Gateway(tmp_path, settings.database_url)
    try:
        gateway.wait_ready()
        yield context, gateway
    finally:
        gateway.close()
        context.db.dispose()


async def _call_until_greeted(gateway: Gateway, call_sid: str) -> tuple[object, list[str]]:
    params = call_params(call_sid)
    signature = sign(AUTH_TOKEN, f"{PUBLIC_BASE}/twilio/voice", params)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        answer = await http.post("/twilio/voice", data=params,
                                 headers={"X-Twilio-Signature": signature})
    answer.raise_for_status()
    _url, custom = parse_twiml(answer.text)
    ws = await connect(
        gateway.url.replace("http://", "ws://") + "/twilio/media",
        additional_headers={"X-Twilio-Signature": sign(AUTH_TOKEN, WSS, {})},
        compression=None,
    )
    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    start = {
        "streamSid": "MZ" + uuid.uuid4().hex, "callSid": call_sid,
        "accountSid": "AC" + "0" * 32, "tracks": ["inbound"], "customParameters": custom,
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }
    await ws.send(json.dumps({"event": "start", "start": start, "streamSid": start["streamSid"]}))
    events: list[str] = []
    # The first engine load and prompt synthesis of a fresh process take a while.
    async with asyncio.timeout(90):
        while "media" not in events:
            events.append(json.loads(await ws.recv())["event"])
    return ws, events


def _held_by(context: AppContext, call_sid: str) -> transcripts.Call:
    deadline = time.monotonic() + 15
    while True:
        with context.db.session() as session:
            call = transcripts.get_call(session, call_sid)
        if call is not None and call.instance == DOOMED and call.heartbeat_at is not None:
            return call
        if time.monotonic() > deadline:
            raise AssertionError("the call's heartbeat never named the gateway")
        time.sleep(0.1)


def test_a_call_of_a_killed_gateway_is_closed_by_another_instances_sweeper(
    shared: tuple[AppContext, Gateway],
) -> None:
    context, gateway = shared
    call_sid = "CA" + uuid.uuid4().hex

    async def scenario() -> None:
        ws, events = await _call_until_greeted(gateway, call_sid)
        assert events[-1] == "media"
        first = _held_by(context, call_sid)
        assert first.status == "in-progress"
        # The booking form had held a slot for this call when the machine went down.
        hold_a_slot(context, call_sid)
        gateway.kill()
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()

    asyncio.run(scenario())
    assert [h.conversation_id for h in live_holds(context, call_sid)] == [call_sid]
    # Not yet stale: the sweeper leaves a call whose heartbeat is recent.
    assert sweep_once(context.db, context.settings, stale_after_s=60) == []
    time.sleep(1.5)
    [swept] = sweep_once(context.db, context.settings, stale_after_s=1.0)
    assert (swept.call_sid, swept.reason, swept.instance) == (call_sid, "dropped", DOOMED)
    with context.db.session() as session:
        call = transcripts.get_call(session, call_sid)
        [message] = transcripts.messages_for_call(session, call_sid)
    assert call is not None and call.status == "failed" and call.outcome == "dropped"
    assert call.ended_at is not None
    assert message.kind == "callback" and message.callback_number == CALLER
    assert message.details["reason"] == "dropped"
    assert live_holds(context, call_sid) == []
