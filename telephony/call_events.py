"""What happens during a phone call, as a closed vocabulary of events for observers.

`telephony.session.CallSession` emits them; metrics, logs and the benchmark subscribe instead of
being called inline. Events may carry what the caller said (``stt-end``) so that an observer can
use it; observers that log must not write ``text`` (privacy: names, dates of birth).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core import TURN_LATENCY

_LOGGER = logging.getLogger(__name__)


class CallEventType(StrEnum):
    """The stages of a call."""

    CALL_START = "call-start"
    """The stream started; ``data``: mode."""
    STT_PARTIAL = "stt-partial"
    """The recognizer's partial words for the utterance in progress."""
    STT_END = "stt-end"
    """An utterance's final text; ``data``: ``speech_end_s`` (end of turn → transcript)."""
    SAFETY_HIT = "safety-hit"
    """The dialogue answered with an emergency message; ``key``: the reply's key."""
    DIALOGUE_END = "dialogue-end"
    """The conversation answered; ``data``: ``keys``, ``duration_s``, ``ended``."""
    TTS_START = "tts-start"
    """The first frame of an answer went out; ``data``: ``latency_s`` from the end of turn
    (or from the start of the stream for the greeting), ``stage``."""
    RECORDING_CONSENT = "recording-consent"
    """The caller answered the recording question; ``key``: yes, no, unclear or silence."""
    BARGE_IN = "barge-in"
    """The caller spoke over the assistant; ``data``: ``cleared``, ``stopped``."""
    ERROR = "error"
    """Something failed; ``key``: a stable code. The caller hears a fallback prompt."""
    CALL_END = "call-end"
    """The call is over; ``key``: the reason (completed, transferred, hangup, dropped, error)."""


@dataclass(frozen=True)
class CallEvent:
    """One event of one call."""

    type: CallEventType
    call_sid: str
    key: str | None = None
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    """Monotonic clock seconds."""


CallObserver = Callable[[CallEvent], Awaitable[None]]
"""An observer of call events; awaited in order, must be quick and must not raise."""


class LatencyMetrics:
    """Feeds ``standardiste_turn_latency_seconds`` by stage from the call events."""

    async def __call__(self, event: CallEvent) -> None:
        """Observe the latencies an event carries."""
        if event.type is CallEventType.TTS_START and "latency_s" in event.data:
            stage = str(event.data.get("stage", "first-audio"))
            TURN_LATENCY.labels(stage=stage).observe(float(event.data["latency_s"]))
        elif event.type is CallEventType.STT_END and "speech_end_s" in event.data:
            TURN_LATENCY.labels(stage="stt-final").observe(float(event.data["speech_end_s"]))


class CallLog:
    """Logs the call's stages without anything the caller said."""

    async def __call__(self, event: CallEvent) -> None:
        """Log one event (no text, no numbers)."""
        if event.type in (CallEventType.STT_PARTIAL, CallEventType.STT_END):
            return
        level = logging.WARNING if event.type is CallEventType.ERROR else logging.INFO
        safe = {k: v for k, v in event.data.items() if k != "text"}
        _LOGGER.log(
            level,
            "call %s",
            event.type.value,
            extra={"call_sid": event.call_sid, "key": event.key, "data": safe},
        )


async def notify(observers: list[CallObserver], event: CallEvent) -> None:
    """Hand an event to every observer; a failing observer is logged, never fatal to the call."""
    for observer in observers:
        try:
            await observer(event)
        except Exception:  # an observer's bug must not cost the caller the call
            _LOGGER.exception("call observer failed", extra={"event": event.type.value})


class EventPump:
    """One call's events, handed to the observers in order by one task (`run`).

    Publishing never waits, so the audio path can publish from synchronous callbacks.
    """

    def __init__(self, call_sid: str, observers: list[CallObserver]) -> None:
        self._call_sid = call_sid
        self._observers = observers
        self._queue: asyncio.Queue[CallEvent] = asyncio.Queue()

    def publish(
        self,
        kind: CallEventType,
        *,
        key: str | None = None,
        text: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        """Queue an event for the observers."""
        self._queue.put_nowait(CallEvent(kind, self._call_sid, key, text, data or {}))

    async def run(self) -> None:
        """Deliver events until cancelled."""
        while True:
            event = await self._queue.get()
            try:
                await notify(self._observers, event)
            finally:
                self._queue.task_done()

    async def drain(self, limit_s: float = 2.0) -> None:
        """Wait until every event published so far was delivered (at most ``limit_s``)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit_s):
                await self._queue.join()
