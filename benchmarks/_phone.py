"""In-process phone lines for benchmarks: Twilio's side of a call session and a scripted dialogue.

Used where a benchmark drives `telephony.CallSession`s directly (no socket, no Rasa) to time
what happens inside the gateway, e.g. a recognition worker killed mid-call. Marks are echoed at
once; the caller's audio goes in at a chosen speed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from dialogue import CallEnd, Reply, TurnResult

STREAM_SID = "MZ" + "0" * 32


@dataclass
class ScriptedDialogue:
    """A `dialogue.Conversation` that greets, then says goodbye to the first words it gets."""

    conversation_id: str
    texts: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    @property
    def database_down(self) -> bool:
        return False

    async def start(self) -> TurnResult:
        return TurnResult([Reply("Bonjour.", "utter_greet")])

    async def handle_text(self, text: str) -> TurnResult:
        self.texts.append(text)
        return TurnResult([Reply("Au revoir.", "utter_goodbye")], ended=True, end=CallEnd.HANGUP)

    async def handle_digits(self, digits: str) -> TurnResult:
        return await self.handle_text(digits)

    async def handle_silence(self) -> TurnResult:
        return TurnResult([Reply("Allô ?", "utter_silence_reprompt")])

    async def close(self, reason: str) -> None:
        self.closed.append(reason)


class Line:
    """Twilio's side of one call: the caller's frames in, our messages recorded, marks echoed."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[str | None] = asyncio.Queue()
        self.marks: dict[str, float] = {}
        """Response key → when its mark came back (monotonic seconds)."""
        self.spoke_until = 0.0

    async def send(self, text: str) -> None:
        message: dict[str, Any] = json.loads(text)
        if message["event"] == "mark":
            key = message["mark"]["name"].split("-", 1)[1]
            self.marks.setdefault(key, time.monotonic())
            self.inbound.put_nowait(json.dumps({**message, "sequenceNumber": "9"}))

    async def hang_up(self) -> None:
        self.inbound.put_nowait(None)

    async def frames(self) -> AsyncIterator[str]:
        while (frame := await self.inbound.get()) is not None:
            yield frame

    async def speak(self, frames: list[bytes], speed: float) -> None:
        """The caller's μ-law frames, ``speed`` times real time; `spoke_until` then set."""
        for index, frame in enumerate(frames):
            payload = base64.b64encode(frame).decode()
            self.inbound.put_nowait(json.dumps({
                "event": "media", "streamSid": STREAM_SID, "sequenceNumber": str(index + 2),
                "media": {"track": "inbound", "chunk": str(index + 1),
                          "timestamp": str(20 * index), "payload": payload},
            }))
            if index % 5 == 4:
                await asyncio.sleep(0.1 / speed)
        self.spoke_until = time.monotonic()

    async def heard(self, *keys: str, limit_s: float = 120.0) -> str:
        """Wait until one of these replies was heard; returns its key."""
        async with asyncio.timeout(limit_s):
            while not (done := [k for k in keys if k in self.marks]):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        return done[0]
