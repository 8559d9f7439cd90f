"""Speech synthesis with Piper: one shared voice, sentence-by-sentence frames, cached prompts.

Costs that shape this module (voice-costs P1–P7):

- The voice takes ~0.6 s and ~0.2 GB: one `PiperVoice` per process, shared by every call (it is
  thread-safe: espeak sits behind piper's lock and ONNX Runtime releases the GIL).
- We build the ONNX Runtime session ourselves: `PiperVoice.load` uses the defaults (one thread
  per core, spinning), which gave 17 audio-s per wall-s on two cores against 23 with one
  non-spinning thread per synthesis. Calls overlap, so throughput wins: ``intra_op_threads=1``,
  and as many synthesis threads as cores.
- Piper's first audio is a whole sentence (~80 ms per second of speech with one thread). The
  reply is split into sentences, and a long first sentence at its first comma, so the first
  frames go out after the first clause, not after the whole reply.
- A reply's first piece is what a caller waits for; the pieces after it have the first one's
  playing time to be ready. So they run on threads of their own at a lower CPU priority: when
  many callers are answered at once, every first piece, and the recognition of callers who just
  stopped speaking, go ahead of the rest of the replies already playing.
- Fixed prompts (greeting, reprompts, emergency message) are synthesised once at startup and
  served as ready μ-law frames (`PromptAudio`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
from piper import PiperConfig, PiperVoice, SynthesisConfig

from telephony.codec import to_ulaw_frames
from telephony.thread_priority import lower_priority

_VOICES: dict[tuple[Path, Path, str, int], PiperVoice] = {}
_VOICES_LOCK = threading.Lock()
# Abbreviations after which a full stop does not end a sentence (our texts avoid them, the
# practice's names may not: "Dr. Martin").
_ABBREVIATIONS = ("M.", "Mme.", "Mlle.", "Dr.", "Pr.", "St.", "Ste.", "av.", "bd.", "n°.")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class PiperParams:
    """How synthesis runs."""

    espeak_voice: str = "fr"
    """espeak phonemes; also right for the en_US stand-in voice, whose id map has French
    phonemes (voice-costs P3)."""
    intra_op_threads: int = 1
    """ONNX Runtime threads per synthesis; 1 for throughput across concurrent calls (P7)."""
    workers: int = max(1, os.cpu_count() or 1)
    """Replies' first pieces synthesised at once: one per core with one thread each (and as many
    later pieces beside them, at ``later_niceness``)."""
    later_niceness: int = 4
    """How much lower the CPU priority of the threads synthesising a reply's later pieces is
    (Linux ``nice``; 0 for the same): below the recognition of a paused caller's words
    (`telephony.stt_vosk.VoskParams.catch_up_niceness`), above the decoding of callers still
    speaking."""
    first_clause_min_words: int = 10
    """A first sentence with this many words is split at its first comma (0: never)."""
    volume: float = 0.9
    """Below full scale, so resampling's overshoot does not clip."""


def _session(model: Path, threads: int) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Spinning threads burn a core while waiting; with several calls that core is needed.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )


def shared_voice(model: Path, config: Path, params: PiperParams | None = None) -> PiperVoice:
    """The process's one `PiperVoice` for this model and settings, loaded on first use.

    Args:
        model: The ``.onnx`` voice.
        config: Its ``.onnx.json`` config.
        params: Threads and espeak voice.
    """
    params = params or PiperParams()
    key = (model.resolve(), config.resolve(), params.espeak_voice, params.intra_op_threads)
    with _VOICES_LOCK:
        voice = _VOICES.get(key)
        if voice is None:
            settings = json.loads(config.read_text(encoding="utf-8"))
            piper_config = PiperConfig.from_dict(settings)
            piper_config.espeak_voice = params.espeak_voice
            voice = PiperVoice(
                session=_session(model, params.intra_op_threads), config=piper_config
            )
            _VOICES[key] = voice
        return voice


def split_for_synthesis(text: str, first_clause_min_words: int = 10) -> list[str]:
    """Cut a reply into the pieces synthesised one at a time.

    Args:
        text: The reply.
        first_clause_min_words: Split the first sentence at its first comma when it has at
            least this many words (0: never), so its first clause is heard sooner.

    Returns:
        Non-empty pieces in order; joined with spaces they give the text back.
    """
    pieces: list[str] = []
    for part in _SENTENCE_END.split(text.strip()):
        if pieces and pieces[-1].endswith(_ABBREVIATIONS):
            pieces[-1] = f"{pieces[-1]} {part}"
        elif part:
            pieces.append(part)
    if pieces and first_clause_min_words and len(pieces[0].split()) >= first_clause_min_words:
        first = pieces[0]
        for match in re.finditer(r",\s+", first):
            head, tail = first[: match.start() + 1], first[match.end() :]
            # A clause of a word or two ("Bonjour,") is too short to be worth its own run.
            if len(head.split()) >= 3 and len(tail.split()) >= 3:
                pieces[0:1] = [head, tail]
                break
    return pieces


class PiperSynthesizer:
    """Text to 8 kHz μ-law 20 ms frames, on synthesis threads."""

    def __init__(self, voice: PiperVoice, params: PiperParams | None = None) -> None:
        self.voice = voice
        self.params = params or PiperParams()
        self._config = SynthesisConfig(volume=self.params.volume)
        self._executor = ThreadPoolExecutor(self.params.workers, thread_name_prefix="piper")
        self._later_executor = ThreadPoolExecutor(
            self.params.workers, thread_name_prefix="piper-later", initializer=lower_priority,
            initargs=(self.params.later_niceness,),
        )

    @classmethod
    def load(cls, model: Path, config: Path, params: PiperParams | None = None) -> PiperSynthesizer:
        """A synthesizer over the shared voice (blocking: ~0.6 s the first time)."""
        params = params or PiperParams()
        return cls(shared_voice(model, config, params), params)

    @property
    def sample_rate(self) -> int:
        """The voice's own rate (22,050 Hz for medium voices)."""
        return int(self.voice.config.sample_rate)

    def synthesize_audio(self, text: str, length_scale: float | None = None) -> np.ndarray:
        """Float samples at `sample_rate` for ``text`` (blocking); ``length_scale`` above 1
        speaks slower."""
        config = self._config
        if length_scale is not None:
            config = SynthesisConfig(volume=self.params.volume, length_scale=length_scale)
        chunks = [chunk.audio_float_array for chunk in self.voice.synthesize(text, config)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks)

    def synthesize_frames(self, text: str) -> list[bytes]:
        """The whole of ``text`` as 160-byte μ-law frames (blocking; for prompts and tools)."""
        frames: list[bytes] = []
        for piece in split_for_synthesis(text, 0):
            frames.extend(to_ulaw_frames(self.synthesize_audio(piece), self.sample_rate))
        return frames

    def _piece_frames(self, piece: str, length_scale: float | None = None) -> list[bytes]:
        return to_ulaw_frames(self.synthesize_audio(piece, length_scale), self.sample_rate)

    async def stream(
        self, text: str, *, length_scale: float | None = None
    ) -> AsyncIterator[list[bytes]]:
        """Frames piece by piece as each is synthesised on a synthesis thread.

        Stopping the iteration (barge-in) stops synthesis after the piece in progress. The
        first piece runs on the synthesis threads, the others on the lower-priority ones.

        Args:
            text: What to say.
            length_scale: Above 1, slower speech (the voice's own pace when None).

        Yields:
            The 160-byte μ-law frames of one sentence (or first clause).
        """
        loop = asyncio.get_running_loop()
        pieces = split_for_synthesis(text, self.params.first_clause_min_words)
        for index, piece in enumerate(pieces):
            work = (
                partial(self._piece_frames, piece) if length_scale is None
                else partial(self._piece_frames, piece, length_scale)
            )
            executor = self._executor if index == 0 else self._later_executor
            frames = await loop.run_in_executor(executor, work)
            if frames:
                yield frames

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The synthesis threads."""
        return self._executor

    def shutdown(self) -> None:
        """Stop the synthesis threads (process exit)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._later_executor.shutdown(wait=False, cancel_futures=True)


class PromptAudio:
    """Fixed phrases synthesised once, served as ready μ-law frames, found by their text."""

    def __init__(self, frames: Mapping[str, tuple[bytes, ...]]) -> None:
        self._frames = dict(frames)

    @classmethod
    def build(cls, synthesizer: PiperSynthesizer, texts: Sequence[str]) -> PromptAudio:
        """Synthesise every phrase (blocking: at startup, in a thread).

        Args:
            synthesizer: The shared synthesizer.
            texts: The exact texts to say (placeholders already filled in).
        """
        unique = list(dict.fromkeys(texts))
        # On the synthesis threads: one phrase per core at once.
        frames = synthesizer.executor.map(synthesizer.synthesize_frames, unique)
        return cls({text: tuple(audio) for text, audio in zip(unique, frames, strict=True)})

    def get(self, text: str) -> tuple[bytes, ...] | None:
        """The frames of a phrase, when it was built."""
        return self._frames.get(text)

    def __contains__(self, text: object) -> bool:
        return text in self._frames

    @property
    def texts(self) -> frozenset[str]:
        """The phrases held."""
        return frozenset(self._frames)
