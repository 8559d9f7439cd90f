"""Outbound audio pacing, marks, and what the caller actually heard.

Twilio plays whatever it receives, in order, and would buffer a whole reply. We keep only
``lead_s`` of audio queued there, so a barge-in (`clear`) silences the assistant at once and
little audio is thrown away. Each utterance ends with a ``mark``; Twilio echoes it when the
audio before it has played, or when a ``clear`` emptied the buffer. So a mark echoed after we
sent ``clear`` means "cleared", not "heard".

Utterances flagged uninterruptible (the automated-assistant disclosure, the emergency message)
survive `Playout.interrupt`: while one is still playing at Twilio no ``clear`` is sent, and its
queued frames keep going out.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from telephony.codec import FRAME_SECONDS, SAMPLE_RATE
from telephony.twilio_stream import clear_message, mark_message, media_message

Send = Callable[[str], Awaitable[None]]


class PlayoutMonitor(Protocol):
    """Sees the outbound audio (the call recorder); both methods must return at once."""

    def sent(self, frame: bytes) -> None:
        """One μ-law frame just went to Twilio."""

    def cleared(self) -> None:
        """A ``clear`` went to Twilio: the audio it still held will not be heard."""


class PlayState(StrEnum):
    """Where an utterance stands."""

    QUEUED = "queued"
    """Nothing sent yet."""
    SENDING = "sending"
    """Some frames sent; more may come."""
    SENT = "sent"
    """All frames and the mark sent; waiting for the mark's echo."""
    PLAYED = "played"
    """Mark echoed without a clear in between: the caller heard it all."""
    CLEARED = "cleared"
    """Cut short by a barge-in after some audio went out: heard in part (see ``heard_s``)."""
    DROPPED = "dropped"
    """Interrupted before any frame went out: never heard."""


_FINAL = frozenset({PlayState.PLAYED, PlayState.CLEARED, PlayState.DROPPED})


@dataclass(eq=False)
class Utterance:
    """One utterance's audio on its way to the caller (a handle; see `Playout.begin`)."""

    mark: str
    key: str | None
    interruptible: bool
    state: PlayState = PlayState.QUEUED
    frames_sent: int = 0
    complete: bool = False
    """No more frames will be added."""
    heard_s: float = 0.0
    """Audio the caller heard: all of it when played, an estimate when cleared."""
    started_at: float | None = None
    """Clock time its first frame was due to start playing."""
    audio_at: float | None = None
    """Clock time its first audio was queued here (ready, or synthesised)."""
    done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    """Set when the state is final (played, cleared or dropped)."""
    _frames: deque[bytes] = field(default_factory=deque, repr=False)

    @property
    def sent_s(self) -> float:
        """Audio sent to Twilio so far."""
        return self.frames_sent * FRAME_SECONDS

    def _finish(self, state: PlayState) -> None:
        self.state = state
        self.done.set()


@dataclass(frozen=True)
class Interruption:
    """What `Playout.interrupt` did."""

    cleared: bool
    """A ``clear`` was sent to Twilio."""
    stopped: tuple[Utterance, ...]
    """Utterances cut or dropped (interruptible ones)."""
    kept: tuple[Utterance, ...]
    """Uninterruptible utterances that go on."""


class Playout:
    """Paces one call's outbound frames and tracks their marks.

    Args:
        send: Sends one text frame on the WebSocket.
        stream_sid: The stream's id, repeated in every message.
        lead_s: Audio kept queued at Twilio ahead of real time.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        send: Send,
        stream_sid: str,
        *,
        lead_s: float = 0.12,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._stream_sid = stream_sid
        self._lead_s = lead_s
        self._clock = clock
        self._queue: deque[Utterance] = deque()
        self._awaiting: dict[str, Utterance] = {}
        self._play_end = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self.monitor: PlayoutMonitor | None = None
        """Set while something (a consented recording) watches the outbound audio."""

    @property
    def busy(self) -> bool:
        """True while audio is queued here or not yet confirmed played at Twilio."""
        return bool(self._queue or self._awaiting)

    @property
    def buffered_s(self) -> float:
        """Audio sent but, by our clock, not yet played by Twilio."""
        return max(0.0, self._play_end - self._clock())

    def begin(self, key: str | None = None, *, interruptible: bool = True) -> Utterance:
        """Open an utterance; add its frames with `add`, then `end` it."""
        utterance = Utterance(f"u{next(self._ids)}-{key or 'reply'}", key, interruptible)
        self._queue.append(utterance)
        return utterance

    def add(self, utterance: Utterance, frames: Iterable[bytes]) -> bool:
        """Queue frames of an open utterance.

        Returns:
            False when the utterance was interrupted: the producer should stop synthesising.
        """
        if utterance.state in _FINAL or utterance.complete:
            return False
        if utterance.audio_at is None:
            utterance.audio_at = self._clock()
        utterance._frames.extend(frames)
        self._wake.set()
        return True

    def end(self, utterance: Utterance) -> None:
        """No more frames for this utterance: its mark follows its last frame."""
        utterance.complete = True
        self._wake.set()

    def play(
        self, frames: Iterable[bytes], key: str | None = None, *, interruptible: bool = True
    ) -> Utterance:
        """Queue a whole utterance at once (a cached prompt)."""
        utterance = self.begin(key, interruptible=interruptible)
        self.add(utterance, frames)
        self.end(utterance)
        return utterance

    def start(self) -> None:
        """Start the pacing task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"playout-{self._stream_sid}")

    async def close(self) -> None:
        """Stop pacing; utterances still pending are dropped."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for utterance in [*self._queue, *self._awaiting.values()]:
            if utterance.state not in _FINAL:
                sent = utterance.frames_sent > 0
                utterance._finish(PlayState.CLEARED if sent else PlayState.DROPPED)
        self._queue.clear()
        self._awaiting.clear()

    def on_mark(self, name: str) -> Utterance | None:
        """Twilio echoed a mark: the utterance played (unless it was cleared before).

        Returns:
            The utterance the mark closed, or None for a mark we do not know (or already closed).
        """
        utterance = self._awaiting.pop(name, None)
        if utterance is None or utterance.state in _FINAL:
            return None
        utterance.heard_s = utterance.sent_s
        utterance._finish(PlayState.PLAYED)
        return utterance

    async def interrupt(self) -> Interruption:
        """Barge-in: stop what the caller may interrupt, keep what they may not.

        Drops every interruptible utterance not fully sent, and sends ``clear`` unless an
        uninterruptible utterance is playing at Twilio or being sent (a ``clear`` empties
        Twilio's whole buffer). Without a ``clear``, the few frames already sent (at most
        ``lead_s``) still play.
        """
        now = self._clock()
        at_twilio = [u for u in self._awaiting.values() if u.state not in _FINAL]
        in_progress = [u for u in self._queue if u.frames_sent]
        protected = any(not u.interruptible for u in (*at_twilio, *in_progress))
        stopped = [u for u in self._queue if u.interruptible]
        for utterance in stopped:
            self._queue.remove(utterance)
        cleared = not protected and bool(at_twilio or in_progress)
        if cleared:
            await self._send(clear_message(self._stream_sid))
            if self.monitor is not None:
                self.monitor.cleared()
            self._play_end = now
            stopped = [*at_twilio, *stopped]
            for utterance in at_twilio:
                del self._awaiting[utterance.mark]
        for utterance in stopped:
            if utterance.frames_sent == 0:
                utterance._finish(PlayState.DROPPED)
                continue
            if cleared:
                # What had time to play by now; the rest was still in Twilio's buffer.
                started = utterance.started_at if utterance.started_at is not None else now
                utterance.heard_s = min(utterance.sent_s, max(0.0, now - started))
            else:
                utterance.heard_s = utterance.sent_s
            utterance._finish(PlayState.CLEARED)
        kept = [u for u in (*at_twilio, *self._queue) if u.state not in _FINAL]
        self._wake.set()
        return Interruption(cleared, tuple(stopped), tuple(u for u in kept if not u.interruptible))

    async def _run(self) -> None:
        while True:
            utterance = self._queue[0] if self._queue else None
            if utterance is None:
                await self._wait()
                continue
            if utterance._frames:
                ahead = self._play_end - self._clock()
                if ahead > self._lead_s:
                    await self._wait(ahead - self._lead_s)
                    continue
                await self._send_frame(utterance)
            elif utterance.complete:
                self._queue.popleft()
                utterance.state = PlayState.SENT
                self._awaiting[utterance.mark] = utterance
                await self._send(mark_message(self._stream_sid, utterance.mark))
            else:
                await self._wait()  # synthesis of its next piece is still running

    async def _send_frame(self, utterance: Utterance) -> None:
        frame = utterance._frames.popleft()
        now = self._clock()
        start = max(now, self._play_end)
        if utterance.started_at is None:
            utterance.started_at = start
        utterance.state = PlayState.SENDING
        utterance.frames_sent += 1
        self._play_end = start + len(frame) / SAMPLE_RATE
        await self._send(media_message(self._stream_sid, frame))
        if self.monitor is not None:
            self.monitor.sent(frame)

    async def _wait(self, seconds: float | None = None) -> None:
        self._wake.clear()
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # arrives as the event is set, and `close` would then wait forever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
