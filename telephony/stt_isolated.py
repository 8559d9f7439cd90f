"""One call's recognizer in a worker process (implements `telephony.stt.Recognizer`).

Audio is buffered on the event loop and sent in ~100 ms batches, as the in-process engine
hands it to its threads. The call stays on its worker; when the worker dies:

- between utterances, or on the first batch of one (the dead worker held none of its audio),
  the request simply goes to a live worker: nothing was lost;
- mid-utterance, the audio already decoded died with the worker: the rest of the utterance is
  dropped, and `finish` raises `telephony.stt.RecognitionLost` so the caller is asked to
  repeat. The audio is not replayed elsewhere: if it is what crashed the first worker, it
  would crash the next one too.
"""

from __future__ import annotations

from typing import Protocol

from telephony.stt import RecognitionLost, RecognitionUpdate
from telephony.stt_pipes import WorkerLost, WorkerPipes
from telephony.stt_protocol import Frame, Op, decode_update


class _Pool(Protocol):
    def pick(self) -> WorkerPipes | None: ...

    def leave(self, worker: WorkerPipes) -> None: ...

    def moved(self) -> None: ...

    def lost(self) -> None: ...


class IsolatedRecognition:
    """See the module docstring; made by `telephony.stt_workers.RecognitionWorkers.open`."""

    def __init__(self, pool: _Pool, call: int, worker: WorkerPipes, batch_bytes: int) -> None:
        self._pool = pool
        self._call = call
        self.worker: WorkerPipes | None = worker
        """The worker decoding this call (None while none runs)."""
        self.moves = 0
        """Times the call moved to another worker."""
        self._batch_bytes = batch_bytes
        self._buffer = bytearray()
        self._held = False
        """The worker holds audio of the utterance in progress."""
        self._lost = False
        """The utterance in progress died with its worker."""
        self._closed = False

    @property
    def holding(self) -> bool:
        """True while the worker holds audio of the utterance in progress (a loss would cost
        the caller a repeat)."""
        return self._held and not self._lost

    async def feed(self, pcm: bytes) -> RecognitionUpdate | None:
        """Buffer 8 kHz PCM; send a batch to the worker once one is ready."""
        self._check_open()
        self._buffer += pcm
        if len(self._buffer) < self._batch_bytes:
            return None
        data = bytes(self._buffer)
        self._buffer.clear()
        return await self._send(Op.FEED, data)

    async def _send(self, op: Op, data: bytes) -> RecognitionUpdate | None:
        """Audio of the utterance to the worker (``op``: FEED or CATCH_UP); its words."""
        if self._lost:
            return None  # the rest of an utterance whose beginning died with its worker
        try:
            frame = await self._ask(op, data)
        except WorkerLost:
            self._lose()
            return None
        self._held = True
        words = decode_update(frame.payload)
        if words is None:
            return None
        # The worker keeps the segments its endpoints closed and joins them at the end.
        partial, final = words
        return RecognitionUpdate(partial=partial, final=final)

    async def catch_up(self, pcm: bytes = b"") -> RecognitionUpdate | None:
        """Send what is buffered and ``pcm`` now, for the worker's catching-up threads."""
        self._check_open()
        data = bytes(self._buffer) + pcm
        self._buffer.clear()
        return await self._send(Op.CATCH_UP, data) if data else None

    async def finish(self, pcm: bytes = b"") -> str:
        """Send the utterance's last audio; its whole text, or `RecognitionLost`."""
        self._check_open()
        data = bytes(self._buffer) + pcm
        self._buffer.clear()
        lost, self._lost = self._lost, False
        if not lost:
            try:
                frame = await self._ask(Op.FINISH, data)
            except WorkerLost:
                self._lose()
                lost, self._lost = True, False
        self._held = False
        if lost:
            raise RecognitionLost("the utterance died with its recognition worker")
        return frame.payload.decode()

    async def close(self) -> None:
        """The call is over: its worker puts the recognizer back in its pool."""
        if self._closed:
            return
        self._closed = True
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.post(Op.CLOSE, self._call)
            self._pool.leave(worker)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("recognizer already closed")

    async def _ask(self, op: Op, data: bytes) -> Frame:
        """One request to the call's worker; moved once to a live worker when the worker
        died holding none of this utterance."""
        for attempt in range(2):
            worker = self.worker or self._move()
            if worker is None:
                raise WorkerLost("no recognition worker is running")
            try:
                frame = await worker.request(op, self._call, data)
            except WorkerLost:
                if self.worker is worker:
                    self._move()
                if self._held or attempt:
                    raise
                continue
            if frame.op is Op.FAILED:
                raise RuntimeError(f"recognition failed: {frame.payload.decode(errors='replace')}")
            return frame
        raise WorkerLost("unreachable")  # pragma: no cover

    def _move(self) -> WorkerPipes | None:
        """Pin the call to a live worker (a fresh recognizer there); None when none runs."""
        old, self.worker = self.worker, None
        if old is not None:
            self._pool.leave(old)
        worker = self._pool.pick()
        if worker is not None:
            worker.post(Op.OPEN, self._call)
            self.worker = worker
            self.moves += 1
            self._pool.moved()
        return worker

    def _lose(self) -> None:
        if not self._lost:
            self._lost = True
            self._pool.lost()
