"""Recognition in supervised worker processes, so that a crash in libvosk takes no call down.

Vosk is native code: a segmentation fault in it used to end the gateway and every call on it.
Here each worker process (`telephony.stt_worker`) loads the model and serves its share of the
calls; each call is pinned to one worker and talks to it over pipes (`telephony.stt_protocol`).
The gateway keeps the `telephony.stt.RecognizerFactory` interface, so a call session does not
know where its words are decoded.

When a worker dies (SIGSEGV, SIGKILL, the OOM killer), its pipe closes at once: its requests
in flight fail, its calls move to a live worker on their next request (`IsolatedRecognition`),
and a caller whose utterance was in flight is asked to repeat (`telephony.stt.RecognitionLost`).
The worker is restarted after a back-off that grows while it keeps dying; deaths, restarts,
moved calls and lost utterances are counted in ``/metrics``.

Workers start with a launcher that loads only the recognition modules, not the gateway's
package (its web app, database, dialogue): a worker then starts in the model's load time and
holds the model's memory, not a second copy of the gateway.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core import (
    RECOGNITION_CALLS_MOVED,
    RECOGNITION_UTTERANCES_LOST,
    RECOGNITION_WORKER_EXITS,
    RECOGNITION_WORKER_RESTARTS,
    RECOGNITION_WORKERS_UP,
)
from telephony.stt_isolated import IsolatedRecognition
from telephony.stt_pipes import WorkerLost, WorkerPipes
from telephony.stt_protocol import Op
from telephony.stt_vosk import VoskParams
from telephony.stt_worker import worker_arguments

_LOGGER = logging.getLogger(__name__)
_PACKAGE_DIR = Path(__file__).resolve().parent
# The worker needs `telephony.stt_worker` and what it imports, not `telephony/__init__.py`
# (which brings the whole gateway: ~2 s and ~150 MB more per worker). So the package is
# registered bare, with its folder as its path, before the worker module is imported.
_LAUNCHER = (
    "import sys, types\n"
    "package = types.ModuleType('telephony')\n"
    "package.__path__ = [sys.argv[1]]\n"
    "sys.modules['telephony'] = package\n"
    "from telephony.stt_worker import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


@dataclass(frozen=True)
class WorkerParams:
    """How many workers, and how each recognizes."""

    workers: int = 2
    """Worker processes; each holds its own copy of the model (~0.2–0.6 GB)."""
    vosk: VoskParams = field(default_factory=VoskParams)
    """Threads and recognizer pool inside each worker."""
    warm_recognizers: int = 4
    """Recognizers warmed up ahead of the first calls, spread over the workers."""
    restart_delays_s: tuple[float, ...] = (0.2, 1.0, 2.0, 5.0, 10.0, 30.0)
    """Back-off before restarting a worker that died; one step further on each death that
    follows a restart within `stable_after_s`."""
    stable_after_s: float = 60.0
    """A worker that ran this long before dying is restarted after the first delay again."""
    open_wait_s: float = 10.0
    """How long a new call waits for a worker when none is running (all restarting)."""


@dataclass
class WorkerStats:
    """What the workers went through (for tests and the benchmark; /metrics has the same)."""

    deaths: int = 0
    restarts: int = 0
    moved: int = 0
    lost: int = 0


class RecognitionWorkers:
    """The gateway's side of the workers: implements `telephony.stt.RecognizerFactory`.

    Args:
        model_path: The Vosk model folder every worker loads.
        params: Workers, their threads, warm recognizers, back-off.
        warm_speech: 8 kHz 16-bit PCM of speech each worker decodes once per warm recognizer.
    """

    def __init__(
        self, model_path: Path, params: WorkerParams | None = None, *, warm_speech: bytes = b""
    ) -> None:
        self.model_path = model_path
        self.params = params or WorkerParams()
        self.stats = WorkerStats()
        self._warm_speech = warm_speech
        self._workers: list[WorkerPipes | None] = [None] * max(1, self.params.workers)
        self._quick_deaths = [0] * len(self._workers)
        self._calls = itertools.count(1)
        self._lock = threading.Lock()
        self._closed = False
        self.warmed = self.params.warm_recognizers
        """Recognizers asked to be warmed up so far, over all workers."""

    # --- life cycle -----------------------------------------------------------------------

    def start(self, *, wait_s: float | None = None) -> None:
        """Start every worker; with ``wait_s``, block until they loaded the model."""
        for slot in range(len(self._workers)):
            self._spawn(slot)
        if wait_s is not None:
            self.wait_ready(wait_s)

    def wait_ready(self, limit_s: float) -> bool:
        """Block until every worker is ready (True), or ``limit_s`` passed (False)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            live = [w for w in self._workers if w is not None and w.alive]
            if len(live) == len(self._workers) and all(w.ready.is_set() for w in live):
                return True
            time.sleep(0.02)
        return False

    def _spawn(self, slot: int) -> None:
        command = [
            sys.executable, "-c", _LAUNCHER, str(_PACKAGE_DIR),
            *worker_arguments(self.model_path, self.params.vosk),
        ]
        # Same process group as the gateway: whoever stops the gateway's group stops these.
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        worker = WorkerPipes(slot, process, self._on_death)
        per_worker = -(-self.params.warm_recognizers // len(self._workers))
        if per_worker:
            worker.post(Op.WARM, payload=per_worker.to_bytes(4, "little") + self._warm_speech)
        with self._lock:
            self._workers[slot] = worker
        RECOGNITION_WORKERS_UP.inc()
        _LOGGER.info("recognition worker started", extra={"slot": slot, "pid": process.pid})

    def _on_death(self, worker: WorkerPipes, returncode: int) -> None:
        """A worker's pipe closed (a reader thread calls this): count it, restart it later."""
        RECOGNITION_WORKERS_UP.dec()
        if self._closed:
            return
        cause = _cause(returncode)
        self.stats.deaths += 1
        RECOGNITION_WORKER_EXITS.labels(cause=cause).inc()
        slot = worker.slot
        lived = time.monotonic() - worker.started_at
        steps = self.params.restart_delays_s
        self._quick_deaths[slot] = 0 if lived >= self.params.stable_after_s else (
            self._quick_deaths[slot] + 1
        )
        delay = steps[min(self._quick_deaths[slot], len(steps) - 1)] if steps else 0.0
        _LOGGER.error(
            "recognition worker died; its calls move to another worker",
            extra={"slot": slot, "pid": worker.pid, "cause": cause, "calls": worker.calls,
                   "restart_in_s": delay},
        )
        timer = threading.Timer(delay, self._restart, args=(slot, worker))
        timer.daemon = True
        timer.start()

    def _restart(self, slot: int, dead: WorkerPipes) -> None:
        with self._lock:
            if self._closed or self._workers[slot] is not dead:
                return
        try:
            self._spawn(slot)
        except OSError:  # fork failed (memory): try again after the longest delay
            _LOGGER.exception("recognition worker could not be restarted")
            timer = threading.Timer(self.params.restart_delays_s[-1], self._restart, (slot, dead))
            timer.daemon = True
            timer.start()
            return
        self.stats.restarts += 1
        RECOGNITION_WORKER_RESTARTS.inc()

    def shutdown(self, grace_s: float = 3.0) -> None:
        """Stop the workers: close their pipes, kill those still running after ``grace_s``."""
        with self._lock:
            self._closed = True
            workers = [w for w in self._workers if w is not None]
        for worker in workers:
            worker.stop()
        deadline = time.monotonic() + grace_s
        for worker in workers:
            try:
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()

    # --- calls ----------------------------------------------------------------------------

    @property
    def workers(self) -> list[WorkerPipes]:
        """The current worker of each slot (a restarted one replaces the dead one)."""
        with self._lock:
            return [w for w in self._workers if w is not None]

    def pick(self) -> WorkerPipes | None:
        """The live worker with the fewest calls (a ready one first), or None when none runs."""
        with self._lock:
            live = [w for w in self._workers if w is not None and w.alive]
            if not live:
                return None
            chosen = min(live, key=lambda w: (not w.ready.is_set(), w.calls))
            chosen.calls += 1
            return chosen

    def leave(self, worker: WorkerPipes) -> None:
        """A call no longer uses ``worker`` (closed, or moved)."""
        with self._lock:
            worker.calls = max(0, worker.calls - 1)

    def moved(self) -> None:
        """A call moved to another worker after its own died."""
        self.stats.moved += 1
        RECOGNITION_CALLS_MOVED.inc()

    def lost(self) -> None:
        """An utterance was lost with its worker (the caller is asked to repeat)."""
        self.stats.lost += 1
        RECOGNITION_UTTERANCES_LOST.inc()

    async def open(self) -> IsolatedRecognition:
        """A recognizer for a new call, pinned to the least busy live worker."""
        deadline = time.monotonic() + self.params.open_wait_s
        while (worker := self.pick()) is None:
            if self._closed or time.monotonic() > deadline:
                raise WorkerLost("no recognition worker is running")
            await asyncio.sleep(0.05)
        call = next(self._calls)
        worker.post(Op.OPEN, call)
        batch_bytes = 2 * round(8000 * self.params.vosk.batch_seconds)
        return IsolatedRecognition(self, call, worker, batch_bytes)

    def prewarm(self, count: int, speech: bytes = b"") -> None:
        """Warm ``count`` more recognizers up, spread over the workers (e.g. before a surge)."""
        workers = self.workers
        self.warmed += count
        for index, worker in enumerate(workers):
            share = count // len(workers) + (1 if index < count % len(workers) else 0)
            if share:
                worker.post(Op.WARM, payload=share.to_bytes(4, "little") + speech)


def _cause(returncode: int) -> str:
    """``SIGSEGV``, ``SIGKILL``…, or ``exit-N``."""
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal-{-returncode}"
    return f"exit-{returncode}"
