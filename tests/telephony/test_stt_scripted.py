"""The scripted recognizer: same interface as Vosk, a transcript per detected utterance."""

from __future__ import annotations

import asyncio

from telephony import Recognizer, RecognizerFactory
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory

SECOND = b"\x00\x00" * 8000


def test_each_utterance_takes_the_next_transcript() -> None:
    factory = ScriptedRecognizerFactory(["je voudrais un rendez-vous", "oui"])

    async def call() -> list[str]:
        recognizer = await factory.open()
        texts = []
        for _ in range(3):
            await recognizer.feed(SECOND)
            texts.append(await recognizer.finish())
        await recognizer.close()
        return texts

    assert asyncio.run(call()) == ["je voudrais un rendez-vous", "oui", ""]
    assert factory.opened[0].closed
    assert factory.script.consumed == ["je voudrais un rendez-vous", "oui", ""]


def test_no_audio_no_utterance() -> None:
    factory = ScriptedRecognizerFactory(["bonjour"])

    async def call() -> tuple[str, str]:
        recognizer = await factory.open()
        empty = await recognizer.finish()
        await recognizer.feed(SECOND)
        return empty, await recognizer.finish()

    assert asyncio.run(call()) == ("", "bonjour")


def test_partials_reveal_words_as_audio_arrives() -> None:
    factory = ScriptedRecognizerFactory(["un deux trois quatre"], seconds_per_word=0.5)

    async def call() -> list[str]:
        recognizer = await factory.open()
        partials = []
        for _ in range(5):
            update = await recognizer.feed(SECOND[:8000])  # 0.5 s each
            assert update is not None
            partials.append(update.partial)
        return partials

    assert asyncio.run(call()) == [
        "un",
        "un deux",
        "un deux trois",
        "un deux trois quatre",
        "un deux trois quatre",
    ]


def test_it_implements_the_interfaces() -> None:
    factory: RecognizerFactory = ScriptedRecognizerFactory([])

    async def call() -> Recognizer:
        return await factory.open()

    recognizer: Recognizer = asyncio.run(call())
    assert recognizer is not None
