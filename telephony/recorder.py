"""A consented call recording: both sides, time-aligned, written to disk as the call goes.

The file is an 8 kHz 16-bit stereo WAV: the caller on the left, the assistant on the right. The
inbound stream is the clock: Twilio sends the caller's 20 ms frames without a break for the
whole call, and plays what we send in real time, so each inbound frame is paired with the next
20 ms of assistant audio sent and not yet played (or silence). A ``clear`` empties that backlog
as it empties Twilio's buffer: audio the caller never heard is not in the recording.

The event loop only slices bytes; a thread per recording decodes μ-law and writes, half a second
at a time. The file grows as ``<CallSid>.wav.part`` with a header kept valid after every write
(a crash leaves a playable file, which the retention purge deletes in time) and is renamed to
``<CallSid>.wav`` in one step when the call ends, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np

import transcripts
from telephony.codec import FRAME_BYTES, MULAW_SILENCE, SAMPLE_RATE, ulaw_to_pcm16

_LOGGER = logging.getLogger(__name__)
CHANNELS: Final = 2
SAMPLE_WIDTH: Final = 2
_SILENCE_FRAME: Final = bytes([MULAW_SILENCE]) * FRAME_BYTES
_Batch = list[tuple[bytes, bytes]]


class CallRecorder:
    """One call's recording (see the module docstring).

    Args:
        path: The finished file (``<var>/recordings/<CallSid>.wav``).
        partial: Where it grows until then (same folder, so the rename is atomic).
        batch_s: Audio handed to the writer thread at a time.
        max_backlog_s: Assistant audio kept waiting for inbound frames; beyond it (inbound
            stalled) the excess is written against caller silence, so memory stays bounded.
    """

    def __init__(
        self,
        path: Path,
        partial: Path,
        *,
        batch_s: float = 0.5,
        max_backlog_s: float = 60.0,
    ) -> None:
        self.path = path
        self._partial = partial
        self._batch_frames = max(1, round(batch_s * SAMPLE_RATE / FRAME_BYTES))
        self._max_backlog = round(max_backlog_s * SAMPLE_RATE)
        self._inbound = bytearray()
        self._outbound = bytearray()
        self._batch: _Batch = []
        self._queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._done: asyncio.Future[bool] | None = None
        self._failed = threading.Event()
        self.frames = 0
        """20 ms frames recorded so far."""

    @property
    def recording(self) -> bool:
        """True between `start` and `close` unless writing failed."""
        return self._done is not None and not self._done.done() and not self._failed.is_set()

    def start(self) -> None:
        """Open the file and start the writer thread (call on the event loop)."""
        if self._done is not None:
            return
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        done = self._done

        def finished(ok: bool) -> None:
            if not done.done():
                done.set_result(ok)

        thread = threading.Thread(
            target=self._write, args=(lambda ok: loop.call_soon_threadsafe(finished, ok),),
            name=f"recorder-{self.path.stem}", daemon=True,
        )
        thread.start()

    def inbound(self, payload: bytes) -> None:
        """The caller's audio (one ``media`` payload, any length): it also moves the clock."""
        if not self.recording:
            return
        self._inbound += payload
        while len(self._inbound) >= FRAME_BYTES:
            caller = bytes(self._inbound[:FRAME_BYTES])
            del self._inbound[:FRAME_BYTES]
            self._add(caller, self._take_outbound())

    def sent(self, frame: bytes) -> None:
        """Assistant audio just sent to Twilio (`telephony.playout.PlayoutMonitor`)."""
        if not self.recording:
            return
        self._outbound += frame
        while len(self._outbound) > self._max_backlog:
            self._add(_SILENCE_FRAME, self._take_outbound())

    def cleared(self) -> None:
        """Twilio was told to drop its buffer: nothing of it will be heard."""
        self._outbound.clear()

    def _take_outbound(self) -> bytes:
        piece = bytes(self._outbound[:FRAME_BYTES])
        del self._outbound[:FRAME_BYTES]
        if len(piece) < FRAME_BYTES:
            piece += bytes([MULAW_SILENCE]) * (FRAME_BYTES - len(piece))
        return piece

    def _add(self, caller: bytes, assistant: bytes) -> None:
        self._batch.append((caller, assistant))
        self.frames += 1
        if len(self._batch) >= self._batch_frames:
            self._queue.put(self._batch)
            self._batch = []

    async def close(self) -> Path | None:
        """Finish the file and move it into place; assistant audio not yet played is left out.

        Returns:
            The finished recording, or None when none was started or writing failed.
        """
        if self._done is None:
            return None
        if self._inbound and not self._failed.is_set():
            tail = bytes(self._inbound).ljust(FRAME_BYTES, bytes([MULAW_SILENCE]))
            self._inbound.clear()
            self._add(tail, self._take_outbound())
        if self._batch:
            self._queue.put(self._batch)
            self._batch = []
        self._queue.put(None)
        self._outbound.clear()
        ok = await asyncio.shield(self._done)
        return self.path if ok else None

    def _write(self, finished: Callable[[bool], None]) -> None:
        ok = ended = False
        try:
            self._partial.parent.mkdir(parents=True, exist_ok=True)
            with open(self._partial, "wb") as raw:
                wav = wave.open(raw, "wb")  # noqa: SIM115 (closed below, before the fsync)
                wav.setnchannels(CHANNELS)
                wav.setsampwidth(SAMPLE_WIDTH)
                wav.setframerate(SAMPLE_RATE)
                try:
                    while (batch := self._queue.get()) is not None:
                        # Each write also rewrites the header's sizes: the file stays valid.
                        wav.writeframes(_stereo(batch))
                    ended = True
                finally:
                    wav.close()
                raw.flush()
                os.fsync(raw.fileno())
            # Encrypted into place with the data key: no voice in clear on the disk.
            transcripts.seal_recording(self._partial, self.path)
            ok = True
        except Exception:  # a full disk must not end the call; the recording is lost, not the rest
            self._failed.set()
            _LOGGER.exception("call recording failed", extra={"call_sid": self.path.stem})
            with contextlib.suppress(OSError):
                self._partial.unlink()
            while not ended:  # whatever is still queued, until close()
                ended = self._queue.get() is None
        finally:
            finished(ok)


def _stereo(batch: _Batch) -> bytes:
    """Interleaved little-endian 16-bit samples: caller left, assistant right."""
    caller = ulaw_to_pcm16(b"".join(pair[0] for pair in batch))
    assistant = ulaw_to_pcm16(b"".join(pair[1] for pair in batch))
    frames = np.empty((len(caller), CHANNELS), dtype="<i2")
    frames[:, 0] = caller
    frames[:, 1] = assistant
    return frames.tobytes()
