"""Which decoding search an utterance starts on: the model's own, or a tight one under load.

Decoding is the cost that counts (voice-costs V8: the shipped search runs at RTF ≈ 0.27 on
speech, ``max-active 1000, beam 8`` at ≈ 0.20, and at about half the shipped cost on the voice
benchmark's audio). When many callers speak at once, say 16 on two
cores finishing their sentences in the same 20 ms, the shipped search needs several times the
cores there are, and the backlog left when they stop speaking is what they wait for: seconds.
So each worker holds the model twice, as shipped and as a tight view (`telephony.vosk_search`),
and an utterance starts on the shipped search only when the worker can afford it:

    decoding demand = Σ (utterances in progress × their search's RTF)
                      + (audio queued, not yet decoded) × its RTF / `LoadParams.horizon_s`

A new utterance takes the shipped search if the demand with it stays within the worker's share
of the cores once every other call open on the worker and silent now is counted at the tight
search's RTF, else the tight one. That reserve is for bursts: callers answering the same prompt
start their sentences in the same 20 ms, and without it the first of them took the shipped search
(16 callers on two workers: four of eight each) and the rest pushed the demand past the cores, so
all of them waited for the backlog when they stopped. With it a worker never promises the shipped
search to one caller at the cost of the tight one to the others; with a few calls it changes
nothing (4 calls: every utterance still shipped). The RTFs start from voice-costs' figures and
follow what decoding actually costs here (CPU seconds per audio second, averaged). The search
never changes mid-utterance: a recognizer decodes an utterance from its first batch to its
final on one search, and the choice is made again at the next utterance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class Search(StrEnum):
    """A decoding search a worker holds."""

    SHIPPED = "shipped"
    """The model's own search (the most accurate)."""
    TIGHT = "tight"
    """The tight view, for when the shipped search would fall behind."""


@dataclass(frozen=True)
class LoadParams:
    """How the choice is made."""

    cores: float
    """Cores this worker's decoding may count on (its share of the machine, less what
    synthesis, dialogue and the event loop need)."""
    shipped_rtf: float = 0.27
    """Starting estimate of the shipped search's CPU seconds per audio second (V5, speech)."""
    tight_rtf: float = 0.15
    """Starting estimate of the tight search's (V8 and the benchmark's audio: ~0.55 × shipped)."""
    horizon_s: float = 1.0
    """Queued audio counts as demand spread over this many seconds."""
    learning_audio_s: float = 20.0
    """The measured RTF follows roughly this many seconds of recent audio."""


class DecodingLoad:
    """One worker's decoding demand, and the search for each new utterance (thread-safe)."""

    def __init__(self, params: LoadParams) -> None:
        self.params = params
        self._rtf = {Search.SHIPPED: params.shipped_rtf, Search.TIGHT: params.tight_rtf}
        self._speaking = dict.fromkeys(Search, 0)
        self._queued_s = dict.fromkeys(Search, 0.0)
        self._open = 0
        self._lock = threading.Lock()
        self.started = dict.fromkeys(Search, 0)
        """Utterances started on each search so far."""

    def rtf(self, search: Search) -> float:
        """The current estimate of ``search``'s CPU seconds per audio second."""
        with self._lock:
            return self._rtf[search]

    def demand(self) -> float:
        """Cores the decoding in progress and queued asks for."""
        with self._lock:
            return self._demand()

    def _demand(self) -> float:
        return sum(
            self._rtf[s] * (self._speaking[s] + self._queued_s[s] / self.params.horizon_s)
            for s in Search
        )

    @property
    def calls(self) -> int:
        """Calls whose recognition is open on this worker."""
        with self._lock:
            return self._open

    def opened(self) -> None:
        """A call's recognition opened on this worker (it may start speaking at any moment)."""
        with self._lock:
            self._open += 1

    def closed(self) -> None:
        """A call's recognition closed."""
        with self._lock:
            self._open = max(0, self._open - 1)

    def begin(self) -> Search:
        """An utterance starts: the search it is decoded on, counted until `end`."""
        with self._lock:
            silent = max(0, self._open - sum(self._speaking.values()) - 1)
            reserve = silent * self._rtf[Search.TIGHT]
            fits = self._demand() + reserve + self._rtf[Search.SHIPPED] <= self.params.cores
            search = Search.SHIPPED if fits else Search.TIGHT
            self._speaking[search] += 1
            self.started[search] += 1
            return search

    def end(self, search: Search) -> None:
        """An utterance on ``search`` was finished (or its call closed)."""
        with self._lock:
            self._speaking[search] = max(0, self._speaking[search] - 1)

    def queued(self, search: Search, audio_s: float) -> None:
        """``audio_s`` seconds of audio wait to be decoded on ``search``."""
        with self._lock:
            self._queued_s[search] += audio_s

    def decoded(self, search: Search, audio_s: float, cpu_s: float | None) -> None:
        """Queued audio was decoded, at the cost of ``cpu_s`` CPU seconds (None: it was dropped
        undecoded, nothing learnt)."""
        with self._lock:
            self._queued_s[search] = max(0.0, self._queued_s[search] - audio_s)
            if audio_s > 0 and cpu_s is not None:
                weight = min(1.0, audio_s / self.params.learning_audio_s)
                self._rtf[search] += weight * (cpu_s / audio_s - self._rtf[search])
