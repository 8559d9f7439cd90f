"""Vosk for real (the packaged Korean model): worker threads, partials, finals, the pool.

The model does not understand French, so the tests assert that words come back and how the
machinery behaves, not what the words are.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import vosk

from core import PROJECT_ROOT
from telephony import vosk_passes
from telephony.codec import PCM_FRAME_BYTES
from telephony.decoding_load import Search
from telephony.speech_engines import WARM_UP, warm_up_speech
from telephony.stt import RecognitionUpdate, Recognizer
from telephony.stt_vosk import VoskEngine, VoskRecognition
from telephony.tts_piper import PiperSynthesizer
from telephony.vosk_model import model_input_rate, shared_model
from tests.telephony.conftest import KOREAN_MODEL, line_noise


@pytest.fixture
def decode_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the threads that decoded audio, in order."""
    names: list[str] = []
    accept = VoskRecognition._accept

    def spy(self: VoskRecognition, data: bytes, search: Search) -> object:
        names.append(threading.current_thread().name)
        return accept(self, data, search)

    monkeypatch.setattr(VoskRecognition, "_accept", spy)
    yield names


async def _recognize(recognizer: Recognizer, pcm: bytes) -> tuple[list[RecognitionUpdate], str]:
    updates = []
    for i in range(0, len(pcm), PCM_FRAME_BYTES):
        update = await recognizer.feed(pcm[i : i + PCM_FRAME_BYTES])
        if update is not None:
            updates.append(update)
    return updates, await recognizer.finish()


def test_the_model_takes_8khz_directly() -> None:
    # Its mfcc.conf allows upsampling: no resampler of ours on the way in.
    assert model_input_rate(KOREAN_MODEL) == 8000


def test_model_rate_without_upsampling(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--use-energy=false\n", encoding="utf-8")
    assert model_input_rate(tmp_path) == 16000
    (tmp_path / "conf" / "mfcc.conf").write_text("--sample-frequency=8000\n", encoding="utf-8")
    assert model_input_rate(tmp_path) == 8000


def test_one_model_per_process(vosk_engine: VoskEngine) -> None:
    assert shared_model(KOREAN_MODEL) is vosk_engine.model


def test_partials_and_final_come_back_from_worker_threads(
    vosk_engine: VoskEngine, spoken: list[bytes], decode_threads: list[str]
) -> None:
    async def call() -> tuple[list[RecognitionUpdate], str]:
        recognizer = await vosk_engine.open()
        try:
            return await _recognize(recognizer, spoken[0] + line_noise(0.6))
        finally:
            await recognizer.close()

    updates, text = asyncio.run(call())
    assert any(u.partial for u in updates)
    assert text.strip()
    # ~100 ms batches, decoded off the event loop on the recognition threads.
    seconds = (len(spoken[0]) / 16000) + 0.6
    assert len(decode_threads) == pytest.approx(seconds / 0.1, abs=2)
    assert decode_threads and all(name.startswith("vosk") for name in decode_threads)


def test_recognizers_are_reused_from_the_pool(vosk_engine: VoskEngine, spoken: list[bytes]) -> None:
    async def two_calls() -> tuple[object, object, str]:
        first = await vosk_engine.open()
        kaldi_first = first._recognizer
        await _recognize(first, spoken[1])
        await first.close()
        second = await vosk_engine.open()
        kaldi_second = second._recognizer
        _, text = await _recognize(second, spoken[1])
        await second.close()
        return kaldi_first, kaldi_second, text

    created, reused = vosk_engine.stats.created, vosk_engine.stats.reused
    kaldi_first, kaldi_second, text = asyncio.run(two_calls())
    assert kaldi_second is kaldi_first
    assert vosk_engine.stats.reused >= reused + 1
    assert vosk_engine.stats.created <= created + 1
    assert text.strip()  # a reset recognizer still recognises


def test_utterances_follow_each_other_on_one_call(
    vosk_engine: VoskEngine, spoken: list[bytes]
) -> None:
    async def call() -> list[str]:
        recognizer = await vosk_engine.open()
        texts = [(await _recognize(recognizer, speech))[1] for speech in spoken]
        texts.append((await _recognize(recognizer, line_noise(0.5)))[1])
        await recognizer.close()
        return texts

    first, second, noise = asyncio.run(call())
    assert first.strip() and second.strip()
    assert first != second
    assert noise == ""


def test_two_calls_at_once(
    vosk_engine: VoskEngine, spoken: list[bytes], decode_threads: list[str]
) -> None:
    async def call(speech: bytes) -> str:
        recognizer = await vosk_engine.open()
        try:
            return (await _recognize(recognizer, speech))[1]
        finally:
            await recognizer.close()

    async def both() -> list[str]:
        return list(await asyncio.gather(call(spoken[0]), call(spoken[1])))

    texts = asyncio.run(both())
    assert all(text.strip() for text in texts)
    assert len(set(decode_threads)) >= 2


def test_calls_from_separate_threads_share_the_engine(
    vosk_engine: VoskEngine, spoken: list[bytes]
) -> None:
    results: dict[int, str] = {}

    def call(index: int) -> None:
        async def run() -> str:
            recognizer = await vosk_engine.open()
            try:
                return (await _recognize(recognizer, spoken[index]))[1]
            finally:
                await recognizer.close()

        results[index] = asyncio.run(run())

    threads = [threading.Thread(target=call, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == [0, 1]
    assert all(text.strip() for text in results.values())
    assert vosk_engine.idle >= 2


def test_a_closed_recognizer_refuses_work(vosk_engine: VoskEngine) -> None:
    async def run() -> None:
        recognizer = await vosk_engine.open()
        await recognizer.close()
        await recognizer.close()  # closing twice is harmless
        with pytest.raises(RuntimeError, match="closed"):
            await recognizer.finish()

    asyncio.run(run())


def test_prewarm_fills_the_pool_up_to_its_cap(vosk_engine: VoskEngine) -> None:
    vosk_engine.prewarm(vosk_engine.params.max_idle + 1)
    assert vosk_engine.idle == vosk_engine.params.max_idle


def test_prewarmed_recognizers_serve_the_next_calls(
    vosk_engine: VoskEngine, spoken: list[bytes]
) -> None:
    vosk_engine._idle[Search.SHIPPED].clear()
    vosk_engine.prewarm(1, speech=spoken[1])
    assert vosk_engine.idle == 1
    reused = vosk_engine.stats.reused

    async def call() -> str:
        recognizer = await vosk_engine.open()
        try:
            return (await _recognize(recognizer, spoken[0]))[1]
        finally:
            await recognizer.close()

    # The warmed-up recognizer was reset and still recognises.
    assert asyncio.run(call()).strip()
    assert vosk_engine.stats.reused == reused + 1


def test_the_warm_up_decodes_each_sentence_as_a_turn_of_its_own(
    vosk_engine: VoskEngine, piper: PiperSynthesizer, spoken: list[bytes]
) -> None:
    # Sentences run together would be decoded as one, mid-sentence for all but the first: a
    # caller's turn starts from the language model's start, and so must the warm-up's.
    recognizer = vosk.KaldiRecognizer(vosk_engine.model, vosk_engine.model_rate)
    speech = warm_up_speech(piper)
    # At least one segment a sentence: Piper's voice varies from run to run, and a pause at a
    # comma may come out as a piece of digital silence, cutting that sentence in two (a fresh-
    # clone CI run saw 7 segments for 6 sentences); run together they would be fewer.
    assert vosk_passes.warm_up(recognizer, speech, vosk_engine.batch_bytes) >= len(WARM_UP)
    assert vosk_passes.warm_up(recognizer, bytes(len(speech)), vosk_engine.batch_bytes) == 0
    # Reset afterwards: the next utterance is decoded on its own.
    assert vosk_passes.finalize(recognizer, spoken[0])


def test_recognizers_warm_up_in_the_background_and_serve_calls_as_each_is_ready(
    vosk_engine: VoskEngine, spoken: list[bytes]
) -> None:
    vosk_engine._idle[Search.SHIPPED].clear()
    seen: list[tuple[str, int]] = []
    lower = vosk_engine.params.feed_niceness
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    created = vosk_engine.stats.created

    def note_idle(*_: object) -> None:
        # Called on the warming thread as each recognizer is pooled: the pool grows one by one.
        me = threading.current_thread()
        seen.append((me.name, os.getpriority(os.PRIO_PROCESS, me.native_id or 0)))

    original = vosk_engine._idle[Search.SHIPPED]

    class Watched(list[object]):
        def append(self, item: object) -> None:
            note_idle()
            super().append(item)

    vosk_engine._idle[Search.SHIPPED] = Watched(original)
    try:
        thread = vosk_engine.prewarm_in_background(2, speech=spoken[0])
        thread.join(120)
    finally:
        vosk_engine._idle[Search.SHIPPED] = list(vosk_engine._idle[Search.SHIPPED])
    assert not thread.is_alive()
    assert vosk_engine.idle == 2 and vosk_engine.stats.created == created + 2
    assert seen == [("vosk-warm-up", min(19, ours + lower))] * 2


def test_a_call_cancelled_mid_batch_never_shares_its_recognizer() -> None:
    # Before the recognizer was guarded by the thread using it, this process died with SIGSEGV
    # (or SIGABRT, "double linked list corrupted") within three rounds, every time.
    probe = subprocess.run(
        [sys.executable, "-m", "tests.telephony.cancel_mid_batch", "3", "2"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    died = f"signal {signal.Signals(-probe.returncode).name}" if probe.returncode < 0 else ""
    assert (probe.returncode, died) == (0, ""), probe.stderr[-2000:]
    assert "survived" in probe.stdout
