"""Speech recognition with Vosk: one shared model, a pool of warm recognizers, worker threads.

Costs that shape this module (voice-costs V1–V13):

- The model takes ~2 s and ~0.5 GB to load: one `vosk.Model` per process, shared by every call
  (Vosk's model is read-only and thread-safe).
- A new `KaldiRecognizer` costs ~80 ms, and its first utterance runs ~3× slower while it expands
  its part of the decoding graph; `Reset()` costs 0.02 ms and keeps that work. So recognizers
  are pooled and reset between calls instead of created per call.
- Decoding releases the GIL, so feeding runs in a dedicated thread pool and scales across cores;
  the event loop only buffers. Audio is handed over in ~100 ms batches: Vosk decodes in nnet
  batches anyway, and one thread hop per 20 ms frame per call would be needless loop work.
- What the caller waits for is the end of an utterance, not the decoding of its middle. So
  finalisation has its own threads (it never queues behind other calls' batches) and the feeding
  threads run at a lower CPU priority: when many calls speak at once, their decoding falls a
  little behind (and catches up in one piece, see `telephony.listening`), while the event loop,
  synthesis and finalisation keep their turn on the cores. A call whose caller paused catches
  up on threads of its own, between the two: ahead of callers still speaking, never in the
  queue of a final pass (a catch-up carries a lagging call's backlog; a final pass is short).
  The catch-up also settles the words so far (`telephony.vosk_passes.settle`): the final pass
  (~25 ms a sentence, 100 ms at worst) runs in the pause, and a turn that ends there has no
  decoding left to wait for.
- The recognizer takes Twilio's 8 kHz as is when the model allows upsampling (see
  `telephony.codec` for why); otherwise each call resamples with a `StreamResampler`.
- With a tight view of the model (``VoskParams.tight_model``), an utterance starts on the tight
  search when the shipped one would fall behind (`telephony.decoding_load`): each search has its
  own pool, and a call's recognizer is swapped only between utterances.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import vosk

from telephony import vosk_passes
from telephony.codec import SAMPLE_RATE, StreamResampler
from telephony.decoding_load import DecodingLoad, LoadParams, Search
from telephony.stt import RecognitionUpdate
from telephony.thread_priority import lower_priority
from telephony.vosk_model import model_input_rate, shared_model

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class VoskParams:
    """How recognition runs."""

    workers: int = max(4, 2 * (os.cpu_count() or 1))
    """Threads decoding calls' audio as it comes. Decoding holds no GIL; more threads than cores
    only let one call's slow batch not hold the others back."""
    final_workers: int = 2
    """Threads finishing utterances (the decoding a caller waits for), apart from the feeding."""
    feed_niceness: int = 5
    """How much lower the feeding threads' CPU priority is (Linux ``nice``; 0 for the same)."""
    catch_up_niceness: int = 2
    """The same for the threads decoding a paused caller's backlog (`VoskRecognition.catch_up`):
    between feeding and finishing."""
    max_idle: int = 8
    """Warm recognizers kept for the next calls; each holds 0.1–0.2 GB once warm (V11)."""
    batch_seconds: float = 0.1
    """Audio buffered on the event loop before one hand-over to a worker thread."""
    tight_model: str = ""
    """A tight view of the model (`telephony.vosk_search`) for utterances that start while the
    shipped search would fall behind; empty: the shipped search only."""
    decoding_cores: float = 1.0
    """Cores this process's decoding may count on when choosing the search (its share)."""


@dataclass
class PoolStats:
    """How the pool served recognizers (for tests and the benchmark)."""

    created: int = 0
    reused: int = 0


class VoskEngine:
    """The process's recognition engine: the model, the recognizer pool and the worker threads."""

    def __init__(self, model_path: Path, params: VoskParams | None = None) -> None:
        self.params = params or VoskParams()
        self.model_path = model_path
        self.model = shared_model(model_path)
        self.model_rate = model_input_rate(model_path)
        self.stats = PoolStats()
        self._models = {Search.SHIPPED: self.model}
        if self.params.tight_model:
            self._models[Search.TIGHT] = shared_model(Path(self.params.tight_model))
        self.batch_bytes = 2 * round(self.model_rate * self.params.batch_seconds)
        """Audio handed to a decoding thread at once (``batch_seconds`` at the model's rate)."""
        self.load = DecodingLoad(LoadParams(cores=self.params.decoding_cores))
        """What decoding asks of the cores; chooses each utterance's search."""
        self._idle: dict[Search, list[vosk.KaldiRecognizer]] = {s: [] for s in self._models}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            self.params.workers, thread_name_prefix="vosk", initializer=lower_priority,
            initargs=(self.params.feed_niceness,),
        )
        self._final_executor = ThreadPoolExecutor(
            self.params.final_workers, thread_name_prefix="vosk-final"
        )
        self._catch_up_executor = ThreadPoolExecutor(
            self.params.final_workers, thread_name_prefix="vosk-catch-up",
            initializer=lower_priority, initargs=(self.params.catch_up_niceness,),
        )

    @property
    def searches(self) -> tuple[Search, ...]:
        """The searches this engine holds (the shipped one, and the tight one if any)."""
        return tuple(self._models)

    def choose(self) -> Search:
        """The search for an utterance that starts now (counted in `load` until it ends)."""
        if Search.TIGHT not in self._models:
            return Search.SHIPPED
        return self.load.begin()

    def acquire(self, search: Search = Search.SHIPPED) -> vosk.KaldiRecognizer:
        """A recognizer from the pool, or a new one (blocking: ~80 ms; call from a thread)."""
        with self._lock:
            idle = self._idle[search]
            if idle:
                self.stats.reused += 1
                return idle.pop()
            self.stats.created += 1
        return vosk.KaldiRecognizer(self._models[search], self.model_rate)

    def release(
        self, recognizer: vosk.KaldiRecognizer, search: Search = Search.SHIPPED
    ) -> None:
        """Reset a recognizer and keep it warm for the next call (or drop it past ``max_idle``)."""
        recognizer.Reset()
        with self._lock:
            if len(self._idle[search]) < self.params.max_idle:
                self._idle[search].append(recognizer)

    def prewarm(self, count: int, speech: bytes = b"") -> None:
        """Create recognizers ahead of the first calls (blocking; at startup).

        Each joins the pool as soon as it is warm, so a call that comes meanwhile already
        finds the first ones; with two searches, one of each in turn (a burst starts on the
        tight one).

        Args:
            count: Recognizers to create, per search.
            speech: 8 kHz 16-bit PCM of speech to decode once with each, so that the first
                caller does not pay the ~3× slower first utterance of a fresh recognizer (V6):
                sentences apart by a second of silence are decoded as separate turns
                (`telephony.vosk_passes.warm_up`).
        """
        resampled = speech
        if speech and self.model_rate != SAMPLE_RATE:
            resampler = StreamResampler(SAMPLE_RATE, self.model_rate)
            resampled = resampler.push(speech) + resampler.flush()
        for _ in range(count):
            for search, model in self._models.items():
                recognizer = vosk.KaldiRecognizer(model, self.model_rate)
                if resampled:
                    vosk_passes.warm_up(recognizer, resampled, self.batch_bytes)
                with self._lock:
                    self.stats.created += 1
                    if len(self._idle[search]) < self.params.max_idle:
                        self._idle[search].append(recognizer)

    def prewarm_in_background(self, count: int, speech: bytes = b"") -> threading.Thread:
        """`prewarm` on a thread of its own at the feeding threads' lower CPU priority: calls
        that come meanwhile keep their turn on the cores."""

        def warm() -> None:
            lower_priority(self.params.feed_niceness)
            self.prewarm(count, speech)

        thread = threading.Thread(target=warm, name="vosk-warm-up", daemon=True)
        thread.start()
        return thread

    @property
    def idle(self) -> int:
        """Warm recognizers of the shipped search waiting in the pool."""
        with self._lock:
            return len(self._idle[Search.SHIPPED])

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The threads decoding audio as it comes."""
        return self._executor

    @property
    def final_executor(self) -> ThreadPoolExecutor:
        """The threads finishing utterances."""
        return self._final_executor

    @property
    def catch_up_executor(self) -> ThreadPoolExecutor:
        """The threads decoding what a paused caller said so far."""
        return self._catch_up_executor

    async def open(self) -> VoskRecognition:
        """A streaming recognizer for one call (pooled; see `VoskRecognition`)."""
        loop = asyncio.get_running_loop()
        recognizer = await loop.run_in_executor(self._executor, self.acquire, Search.SHIPPED)
        resampler = None
        if self.model_rate != SAMPLE_RATE:
            resampler = StreamResampler(SAMPLE_RATE, self.model_rate)
        self.load.opened()
        return VoskRecognition(self, recognizer, resampler)

    def shutdown(self) -> None:
        """Stop the worker threads (process exit)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._final_executor.shutdown(wait=False, cancel_futures=True)
        self._catch_up_executor.shutdown(wait=False, cancel_futures=True)


class VoskRecognition:
    """One call's streaming recognizer (implements `telephony.stt.Recognizer`).

    A `KaldiRecognizer` must never be used by two threads at once: ``Reset()`` on one thread
    while another is inside ``AcceptWaveform`` segfaults in libvosk. The asyncio lock keeps one
    call's requests in order, but it cannot guard the recognizer itself: when the call's task is
    cancelled (a hang-up mid-batch), the lock is released while the worker thread is still
    decoding. So the threads that touch the recognizer hold ``_use`` for as long as they do,
    and closing takes the recognizer away under it: a batch still running finishes first, and
    a batch that starts later finds no recognizer.

    Each utterance's search is chosen as its first audio comes (`VoskEngine.choose`); when it
    is not the search of the recognizer held, the recognizer is swapped for one of the pool of
    that search, under ``_use``, before the utterance's first batch is decoded.
    """

    def __init__(
        self,
        engine: VoskEngine,
        recognizer: vosk.KaldiRecognizer,
        resampler: StreamResampler | None,
    ) -> None:
        self._engine = engine
        self._recognizer: vosk.KaldiRecognizer | None = recognizer
        self._held = Search.SHIPPED
        """The search of the recognizer held."""
        self._utterance: Search | None = None
        """The search of the utterance in progress (None between utterances)."""
        self._resampler = resampler
        self._buffer = bytearray()
        self._segments: list[str] = []
        """Texts of the utterance's closed segments: at the recognizer's endpoints and at the
        caller's pauses (`catch_up`)."""
        self._settled = False
        """The last decoding settled the words (a pause): `finish` has nothing left to do."""
        self._lock = asyncio.Lock()
        self._use = threading.Lock()

    @property
    def search(self) -> Search | None:
        """The search of the utterance in progress, if one is."""
        return self._utterance

    async def feed(self, pcm: bytes) -> RecognitionUpdate | None:
        """Buffer 8 kHz PCM; decode in a worker thread once a batch is ready."""
        self._buffer += self._resampler.push(pcm) if self._resampler else pcm
        if len(self._buffer) < self._engine.batch_bytes:
            return None
        return await self._decode_buffer(self._engine.executor)

    async def catch_up(self, pcm: bytes = b"") -> RecognitionUpdate | None:
        """Decode what is buffered and ``pcm`` now, on the catching-up threads, and settle the
        words so far: the recognizer's final pass runs in the caller's pause."""
        self._buffer += self._resampler.push(pcm) if self._resampler else pcm
        if not self._buffer:
            return None
        return await self._decode_buffer(self._engine.catch_up_executor, settle=True)

    async def _decode_buffer(
        self, executor: ThreadPoolExecutor, *, settle: bool = False
    ) -> RecognitionUpdate:
        data = bytes(self._buffer)
        self._buffer.clear()
        async with self._lock:
            decoded = await self._decode(executor, self._settle if settle else self._accept, data)
        self._segments += [text for text in decoded.closed if text]
        self._settled = settle
        so_far = " ".join([*self._segments, decoded.partial]).strip()
        return RecognitionUpdate(partial=so_far, final=decoded.endpoint)

    async def finish(self, pcm: bytes = b"") -> str:
        """Decode the utterance's last audio and what is buffered, close it, return its text."""
        if self._resampler:
            self._buffer += self._resampler.push(pcm) + self._resampler.flush()
        else:
            self._buffer += pcm
        data = bytes(self._buffer)
        self._buffer.clear()
        async with self._lock:
            try:
                last = ""
                if data or not self._settled:
                    last = await self._decode(self._engine.final_executor, self._finalize, data)
            finally:
                self._settled = False
                self._end_utterance()
        segments = [*self._segments, last]
        self._segments.clear()
        return " ".join(s for s in segments if s)

    async def close(self) -> None:
        """Return the recognizer to the pool (reset, warm), once no thread is using it."""
        async with self._lock:
            self._end_utterance()
            if self._recognizer is not None:
                loop = asyncio.get_running_loop()
                # Shielded: a cancelled close must still not leave the recognizer half-released.
                await asyncio.shield(loop.run_in_executor(self._engine.executor, self._release))

    async def _decode(
        self, executor: ThreadPoolExecutor, work: Callable[[bytes, Search], _T], data: bytes
    ) -> _T:
        """``work(data, search)`` on ``executor``, the audio counted as queued until decoded
        (or dropped, when the call gave up on it before a thread took it)."""
        if self._utterance is None:
            self._utterance = self._engine.choose()
        search, load = self._utterance, self._engine.load
        seconds = len(data) / (2 * self._engine.model_rate)
        load.queued(search, seconds)
        job = executor.submit(work, data, search)
        job.add_done_callback(
            lambda done: load.decoded(search, seconds, None) if done.cancelled() else None
        )
        return await asyncio.wrap_future(job)

    def _end_utterance(self) -> None:
        if self._utterance is not None:
            if len(self._engine.searches) > 1:
                self._engine.load.end(self._utterance)
            self._utterance = None

    def _release(self) -> None:
        with self._use:
            recognizer, self._recognizer = self._recognizer, None
        if recognizer is not None:
            self._engine.load.closed()
            self._engine.release(recognizer, self._held)

    def _on(self, search: Search) -> vosk.KaldiRecognizer:
        """The recognizer for ``search`` (swapped between utterances); hold ``_use``."""
        if self._recognizer is None:
            raise RuntimeError("recognizer already closed")
        if search is not self._held:
            self._engine.release(self._recognizer, self._held)
            self._recognizer, self._held = self._engine.acquire(search), search
        return self._recognizer

    def _accept(self, data: bytes, search: Search) -> vosk_passes.Decoded:
        return self._timed(search, data, vosk_passes.accept)

    def _settle(self, data: bytes, search: Search) -> vosk_passes.Decoded:
        return self._timed(search, data, vosk_passes.settle)

    def _finalize(self, data: bytes, search: Search) -> str:
        return self._timed(search, data, vosk_passes.finalize)

    def _timed(
        self, search: Search, data: bytes, work: Callable[[vosk.KaldiRecognizer, bytes], _T]
    ) -> _T:
        """``work`` on the recognizer for ``search``; the audio counted as decoded, with the
        CPU time decoding it took (a swap's recognizer creation aside)."""
        cpu: float | None = None
        try:
            with self._use:
                recognizer = self._on(search)
                started = time.thread_time()
                try:
                    return work(recognizer, data)
                finally:
                    cpu = time.thread_time() - started
        finally:
            seconds = len(data) / (2 * self._engine.model_rate)
            self._engine.load.decoded(search, seconds, cpu)
