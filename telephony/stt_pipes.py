"""One recognition worker process as the gateway sees it: its pipes and its requests in flight.

Writing and reading the pipes happen on two threads of their own, so the event loop never
blocks on a pipe and any event loop may ask (each request is answered on the loop that made
it). When the worker's output closes (it died, or was stopped), every request in flight fails
with `WorkerLost` at once and the owner is told, with the process's exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import subprocess
import threading
import time
from collections.abc import Callable

from telephony.stt_protocol import Frame, Op, encode, read_frame


class WorkerLost(Exception):  # noqa: N818 (an event the recognizer handles, not a bug)
    """The worker process serving a request died (or none is running)."""


class WorkerPipes:
    """A started worker process (see the module docstring).

    Args:
        slot: Which of the pool's places it fills.
        process: The process, with stdin and stdout as pipes.
        on_death: Called once (on the reader thread) when the worker's output closed, with
            the process's exit status (negative: the signal that ended it).
    """

    def __init__(
        self,
        slot: int,
        process: subprocess.Popen[bytes],
        on_death: Callable[[WorkerPipes, int], None],
    ) -> None:
        self.slot = slot
        self.process = process
        self.pid = process.pid
        self.started_at = time.monotonic()
        self.calls = 0
        """Calls pinned here (the pool counts them under its lock)."""
        self.ready = threading.Event()
        """Set once the worker loaded the model."""
        self.alive = True
        self._on_death = on_death
        self._pending: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[Frame]]] = {}
        self._requests = itertools.count(1)
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        for target, name in ((self._write, "w"), (self._read, "r")):
            threading.Thread(target=target, name=f"stt-pipe-{name}{slot}", daemon=True).start()

    def post(self, op: Op, call: int = 0, payload: bytes = b"") -> None:
        """Send a frame that needs no answer (ignored once the worker is gone)."""
        if self.alive:
            self._outbox.put(encode(op, call, 0, payload))

    def request(self, op: Op, call: int, payload: bytes) -> asyncio.Future[Frame]:
        """Send a frame; its answer resolves the future (`WorkerLost` if the worker dies)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Frame] = loop.create_future()
        with self._lock:
            if not self.alive:
                future.set_exception(WorkerLost(f"recognition worker {self.pid} is gone"))
                return future
            request = next(self._requests)
            self._pending[request] = (loop, future)
        self._outbox.put(encode(op, call, request, payload))
        return future

    def stop(self) -> None:
        """Close the worker's input: it finishes what it was doing and exits."""
        self._outbox.put(None)

    def _write(self) -> None:
        pipe = self.process.stdin
        assert pipe is not None  # started with stdin=PIPE
        while (data := self._outbox.get()) is not None:
            try:
                pipe.write(data)
                pipe.flush()
            except OSError:  # the worker died: the reader sees its output close
                break
        with contextlib.suppress(OSError):
            pipe.close()

    def _read(self) -> None:
        pipe = self.process.stdout
        assert pipe is not None  # started with stdout=PIPE
        while (frame := read_frame(pipe)) is not None:
            if frame.op is Op.READY:
                self.ready.set()
                continue
            with self._lock:
                entry = self._pending.pop(frame.request, None)
            if entry is not None:
                _settle(*entry, frame)
        with self._lock:
            self.alive = False
            pending, self._pending = list(self._pending.values()), {}
        for loop, future in pending:
            _settle(loop, future, None)
        self._outbox.put(None)
        self._on_death(self, self.process.wait())


def _settle(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Frame], frame: Frame | None
) -> None:
    def settle() -> None:
        if future.done():  # the call gave up on it (cancelled)
            return
        if frame is None:
            future.set_exception(WorkerLost("the recognition worker died"))
        else:
            future.set_result(frame)

    with contextlib.suppress(RuntimeError):  # that event loop is closed: nobody waits
        loop.call_soon_threadsafe(settle)
