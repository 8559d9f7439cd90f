"""Helpers for call-session tests: a scripted conversation, a Twilio stand-in, caller audio.

`FakeConversation` stands in for the dialogue only in the fast unit tests of `CallSession`
(the end-to-end tests use the real `dialogue.DialogueSession` and Rasa). `FakeTwilio` plays
Twilio's side of the socket in-process: it queues the caller's frames and echoes our marks.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from dialogue import Expecting, Reply, TurnResult
from telephony.codec import FRAME_BYTES, MULAW_SILENCE
from telephony.tts_piper import PiperSynthesizer

SID = "MZ0123456789abcdef0123456789abcdef"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
SILENCE = bytes([MULAW_SILENCE]) * FRAME_BYTES


@dataclass
class FakeConversation:
    """Implements `dialogue.Conversation` from canned results; records what it was given."""

    greeting: TurnResult = field(
        default_factory=lambda: TurnResult([Reply("Bonjour.", "utter_greet")])
    )
    answers: list[TurnResult] = field(default_factory=list)
    """Results of the next turns (text, digits or silence), in order; then `default`."""
    default: TurnResult = field(
        default_factory=lambda: TurnResult([Reply("Très bien.", "utter_ok")])
    )
    fail_on_text: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    @property
    def conversation_id(self) -> str:
        return CALL_SID

    @property
    def database_down(self) -> bool:
        return False

    async def start(self) -> TurnResult:
        self.calls.append(("start", ""))
        return self.greeting

    def _next(self) -> TurnResult:
        return self.answers.pop(0) if self.answers else self.default

    async def handle_text(self, text: str) -> TurnResult:
        self.calls.append(("text", text))
        if self.fail_on_text:
            raise RuntimeError("dialogue exploded")
        return self._next()

    async def handle_digits(self, digits: str) -> TurnResult:
        self.calls.append(("digits", digits))
        return self._next()

    async def handle_silence(self) -> TurnResult:
        self.calls.append(("silence", ""))
        return self._next()

    async def close(self, reason: str) -> None:
        self.closed.append(reason)


def text_frames(piper: PiperSynthesizer, text: str) -> list[bytes]:
    """The real voice saying ``text``, as the 20 ms μ-law frames a caller's phone sends."""
    return piper.synthesize_frames(text)


def silence(seconds: float) -> list[bytes]:
    """Frames of line silence."""
    return [SILENCE] * round(seconds / 0.02)


def media(payload: bytes, chunk: int = 1) -> str:
    """An inbound ``media`` message as Twilio sends it."""
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": str(chunk + 1),
            "media": {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str(20 * chunk),
                "payload": base64.b64encode(payload).decode(),
            },
            "streamSid": SID,
        }
    )


def dtmf(digit: str) -> str:
    """An inbound ``dtmf`` message."""
    return json.dumps(
        {"event": "dtmf", "streamSid": SID, "dtmf": {"track": "inbound_track", "digit": digit}}
    )


STOP = json.dumps({"event": "stop", "streamSid": SID, "stop": {"callSid": CALL_SID}})


class FakeTwilio:
    """Twilio's side, in-process: frames for the session, our messages recorded, marks echoed."""

    def __init__(self, *, echo_marks: bool = True) -> None:
        self.inbound: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self.hung_up = False
        self._echo = echo_marks
        self.on_send: Callable[[dict[str, Any]], None] | None = None

    async def send(self, text: str) -> None:
        message = json.loads(text)
        self.sent.append(message)
        if self.on_send is not None:
            self.on_send(message)
        if self._echo and message["event"] == "mark":
            # Sooner than real Twilio (which waits for the audio to play): pacing is ours.
            self.inbound.put_nowait(json.dumps({**message, "sequenceNumber": "9"}))

    async def hang_up(self) -> None:
        self.hung_up = True
        self.inbound.put_nowait(None)

    async def frames(self) -> AsyncIterator[str | bytes]:
        while True:
            frame = await self.inbound.get()
            if frame is None:
                return
            yield frame

    async def speak(self, frames: list[bytes], speed: float = 4.0) -> None:
        """Send caller audio, ``speed`` times faster than real time."""
        for index, frame in enumerate(frames):
            self.inbound.put_nowait(media(frame, index + 1))
            if index % 5 == 4:
                await asyncio.sleep(0.1 / speed)

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["event"] == kind]

    def marks(self) -> list[str]:
        return [m["mark"]["name"] for m in self.events("mark")]

    def marked(self, key: str) -> bool:
        return any(name.endswith(f"-{key}") for name in self.marks())


async def until(condition: Callable[[], bool], limit_s: float = 20.0) -> None:
    """Wait until ``condition()`` holds (polled: it reads state the session updates), or fail."""
    async with asyncio.timeout(limit_s):
        while not condition():  # noqa: ASYNC110 (no event to wait on: the condition is the test's)
            await asyncio.sleep(0.01)


def expecting(kind: Expecting, *replies: Reply) -> TurnResult:
    """A turn result asking for ``kind``."""
    return TurnResult(list(replies), expecting=kind)
