"""Twilio's side of a call against a running gateway, over the real protocol (`standardiste call`).

Like Twilio: a signed incoming-call webhook (form POST, ``X-Twilio-Signature`` over
``PUBLIC_BASE_URL`` + path with the auth token), the TwiML read for the ``<Stream>`` URL and its
``<Parameter>``s, then the WebSocket, its upgrade signed over the ``wss://`` URL, carrying
``connected``, ``start``, 20 ms ``media`` frames without a break (silence between the caller's
turns), ``dtmf`` and ``stop``. Marks are echoed when the audio sent before them has played (or
at once after a ``clear``). The wss URL maps to the local gateway's address.

The caller takes one turn at a time: it waits until the assistant's reply has played and the
line stayed quiet, then speaks. Timings are measured as a caller hears them: the end of the
caller's speech → the first audio of the answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from standardiste.simulator.callers import CallerTurn
from telephony import CONNECT_ACTION_PATH, FRAME_BYTES, MULAW_SILENCE, SAMPLE_RATE

SILENCE = bytes([MULAW_SILENCE]) * FRAME_BYTES
FRAME_S = FRAME_BYTES / SAMPLE_RATE


@dataclass(frozen=True)
class Twilio:
    """Where the gateway is and what Twilio would know."""

    gateway: str
    """The gateway's local address, e.g. ``http://127.0.0.1:8000``."""
    public_base: str
    """``PUBLIC_BASE_URL``: the https address Twilio was told to call."""
    auth_token: str
    caller: str = "+33612345678"
    called: str = "+33478000000"
    speed: float = 1.0
    """The caller's audio and the playback of the assistant's run this many times faster than
    real time (the gateway's own pacing stays real time unless it is configured otherwise)."""
    quiet_s: float = 0.8
    """Quiet line after the assistant's last mark before the caller speaks (wall seconds)."""
    reply_timeout_s: float = 30.0
    tail_silence_s: float = 1.5
    """Silence after each utterance, during which the gateway detects the end of turn."""


@dataclass
class SimulatedCall:
    """What happened, from the caller's side."""

    call_sid: str
    twiml: str
    mode: str = ""
    lines: list[tuple[float, str, str]] = field(default_factory=list)
    """(seconds since the webhook, who, what): ``caller``/``assistant``/``call``."""
    greeting_latency_s: float | None = None
    """``start`` sent → first audio received."""
    turn_latencies_s: list[float | None] = field(default_factory=list)
    """Per caller turn: end of speech (or keys) → first audio of the answer."""
    assistant_audio: bytearray = field(default_factory=bytearray)
    keys: list[str] = field(default_factory=list)
    """Response keys of the marks echoed, in order (what the assistant said)."""
    clears: int = 0
    close_code: int | None = None
    next_twiml: str | None = None
    """The connect-action's answer once the gateway closed the stream."""


def sign(token: str, url: str, params: dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send (the twilio library's own algorithm)."""
    return str(RequestValidator(token).compute_signature(url, params))


class _Line:
    """The WebSocket from Twilio's side: continuous caller audio, marks echoed after playback."""

    def __init__(self, ws: ClientConnection, sid: str, call: SimulatedCall, config: Twilio):
        self.ws, self.sid, self.call, self.config = ws, sid, call, config
        self.seq = 1
        self.caller: deque[bytes] = deque()
        self.play_end = 0.0
        self.echoes: set[asyncio.Task[None]] = set()
        self.last_audio = 0.0
        self.last_echo = 0.0
        self.first_audio_after: float | None = None
        self.heard_since: float | None = None
        self.closed = False
        """The stream is closed (by either side)."""
        self.closed_by_gateway = False
        """The gateway closed the stream (Twilio then runs the ``<Connect>`` action)."""
        self.drained = asyncio.Event()
        """Set when the caller's queued speech has all gone out."""
        self.began = time.monotonic()

    async def send(self, message: dict[str, object]) -> None:
        self.seq += 1
        await self.ws.send(json.dumps({**message, "sequenceNumber": str(self.seq)}))

    async def pump(self) -> None:
        """20 ms of caller audio per tick, speech when queued, silence otherwise."""
        chunk, due = 0, time.monotonic()
        while True:
            frame = self.caller.popleft() if self.caller else SILENCE
            if not self.caller:
                self.drained.set()
            chunk += 1
            payload = base64.b64encode(frame).decode()
            media = {"track": "inbound", "chunk": str(chunk), "timestamp": str(20 * chunk),
                     "payload": payload}
            await self.send({"event": "media", "streamSid": self.sid, "media": media})
            due += FRAME_S / self.config.speed
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    async def receive(self) -> None:
        try:
            await self._receive()
        except ConnectionClosed:
            pass  # the gateway closed the socket without a closing handshake
        finally:
            self.closed = True
        # Not reached when the caller's side cancels this task (after its own hang-up).
        self.closed_by_gateway = True

    async def _receive(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            now = time.monotonic()
            if message["event"] == "media":
                audio = base64.b64decode(message["media"]["payload"])
                self.call.assistant_audio += audio
                if self.heard_since is not None and self.first_audio_after is None:
                    self.first_audio_after = now
                duration = len(audio) / SAMPLE_RATE / self.config.speed
                self.play_end = max(now, self.play_end) + duration
                self.last_audio = now
            elif message["event"] == "mark":
                task = asyncio.create_task(self._echo(message["mark"]["name"], self.play_end))
                self.echoes.add(task)
                task.add_done_callback(self.echoes.discard)
            elif message["event"] == "clear":
                self.call.clears += 1
                self.play_end = now
                for task in list(self.echoes):
                    task.cancel()  # echoed at once by _echo's cancellation path

    async def _echo(self, name: str, due: float) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        key = name.split("-", 1)[1] if "-" in name else name
        self.call.keys.append(key)
        self.call.lines.append((self.at(), "assistant", key))
        self.last_echo = time.monotonic()
        with contextlib.suppress(ConnectionClosed):
            await self.send({"event": "mark", "streamSid": self.sid, "mark": {"name": name}})

    def at(self) -> float:
        return time.monotonic() - self.began

    async def wait_for_reply(self, since: float) -> None:
        """Until an answer after ``since`` has played and the line stayed quiet."""
        deadline = since + self.config.reply_timeout_s
        while time.monotonic() < deadline and not self.closed:
            now = time.monotonic()
            # Heard in full: audio came, its mark was echoed, and nothing followed for a while
            # (the assistant may synthesise its next sentence in between).
            answered = self.last_audio > since and self.last_echo > since
            done = not self.echoes and now > self.play_end + self.config.quiet_s
            if answered and done and now > self.last_echo + self.config.quiet_s:
                return
            await asyncio.sleep(0.02)

    async def speak(self, turn: CallerTurn) -> None:
        if turn.digits:
            for digit in turn.digits:
                dtmf = {"track": "inbound_track", "digit": digit}
                await self.send({"event": "dtmf", "streamSid": self.sid, "dtmf": dtmf})
            spoke_until = time.monotonic()
        else:
            self.drained.clear()
            self.caller.extend(turn.frames)
            await self.drained.wait()
            spoke_until = time.monotonic()
            self.caller.extend([SILENCE] * round(self.config.tail_silence_s / FRAME_S))
        self.call.lines.append((self.at(), "caller", turn.label))
        self.heard_since, self.first_audio_after = spoke_until, None
        await self.wait_for_reply(spoke_until)
        latency = None if self.first_audio_after is None else self.first_audio_after - spoke_until
        self.call.turn_latencies_s.append(latency)


def parse_twiml(document: str) -> tuple[str | None, dict[str, str]]:
    """The ``<Stream>`` URL and its ``<Parameter>``s, or None when the TwiML does not stream."""
    root = ET.fromstring(document)  # noqa: S314 (our own gateway's TwiML, not untrusted input)
    stream = root.find("./Connect/Stream")
    if stream is None:
        return None, {}
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return stream.get("url"), params


async def simulate_call(
    config: Twilio, turns: list[CallerTurn], *, end: str = "stop", call_sid: str | None = None
) -> SimulatedCall:
    """One call, from the webhook to the end of the stream.

    Args:
        config: The gateway and Twilio's secrets.
        turns: The caller's turns, in order.
        end: ``stop`` (hang up after the last answer), ``drop`` (close the socket without
            ``stop``, like a lost line) or ``wait`` (until the gateway ends the call).
        call_sid: The CallSid to use (random by default).

    Returns:
        What the caller heard and when.
    """
    sid = call_sid or "CA" + uuid.uuid4().hex
    params = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": sid,
              "CallStatus": "ringing", "Direction": "inbound", "From": config.caller,
              "Caller": config.caller, "To": config.called, "Called": config.called}
    base = config.public_base.rstrip("/")
    async with httpx.AsyncClient(base_url=config.gateway, timeout=30) as http:
        signature = sign(config.auth_token, f"{base}/twilio/voice", params)
        answer = await http.post(
            "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature}
        )
        answer.raise_for_status()
        call = SimulatedCall(call_sid=sid, twiml=answer.text)
        url, custom = parse_twiml(answer.text)
        if url is None:
            return call
        call.mode = custom.get("mode", "")
        local = urlsplit(config.gateway)
        ws_url = f"{'wss' if local.scheme == 'https' else 'ws'}://{local.netloc}{urlsplit(url).path}"
        headers = {"X-Twilio-Signature": sign(config.auth_token, url, {})}
        async with connect(ws_url, additional_headers=headers, compression=None) as ws:
            stream_sid = "MZ" + uuid.uuid4().hex
            line = _Line(ws, stream_sid, call, config)
            connected = {"event": "connected", "protocol": "Call", "version": "1.0.0"}
            await ws.send(json.dumps(connected))
            media_format = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
            start = {"accountSid": params["AccountSid"], "streamSid": stream_sid, "callSid": sid,
                     "tracks": ["inbound"], "customParameters": custom,
                     "mediaFormat": media_format}
            await line.send({"event": "start", "start": start, "streamSid": stream_sid})
            line.heard_since = started = time.monotonic()
            call.lines.append((line.at(), "call", f"start ({call.mode})"))
            tasks = [asyncio.create_task(line.pump()), asyncio.create_task(line.receive())]
            try:
                await line.wait_for_reply(started)
                if line.first_audio_after is not None:
                    call.greeting_latency_s = line.first_audio_after - started
                for turn in turns:
                    if line.closed:
                        break
                    await line.speak(turn)
                if end == "wait":
                    await asyncio.wait([tasks[1]], timeout=config.reply_timeout_s)
                elif end == "stop" and not line.closed:
                    await line.send({"event": "stop", "streamSid": stream_sid,
                                     "stop": {"accountSid": params["AccountSid"], "callSid": sid}})
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            # Twilio runs <Connect action> when our side ended the stream, not after a hang-up.
            ended_by_gateway = line.closed_by_gateway
        call.close_code = ws.close_code
        call.lines.append((line.at(), "call", f"closed ({call.close_code})"))
        if ended_by_gateway:
            action = f"{base}{CONNECT_ACTION_PATH}"
            in_call = {**params, "CallStatus": "in-progress"}
            signature = sign(config.auth_token, action, in_call)
            after = await http.post(
                CONNECT_ACTION_PATH, data=in_call, headers={"X-Twilio-Signature": signature}
            )
            call.next_twiml = after.text
    return call
