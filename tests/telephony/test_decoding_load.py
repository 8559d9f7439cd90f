"""The choice of decoding search per utterance: shipped while the cores afford it, tight beyond.

Pure bookkeeping (`telephony.decoding_load`), then the real engine holding both searches
(the packaged Korean model and a tight view of it): an utterance keeps its search to the end,
and the next one is chosen again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from telephony.decoding_load import DecodingLoad, LoadParams, Search
from telephony.stt_vosk import VoskEngine, VoskParams
from telephony.vosk_search import TIGHT, searched_model
from tests.telephony.conftest import KOREAN_MODEL, line_noise

PARAMS = LoadParams(cores=1.0, shipped_rtf=0.3, tight_rtf=0.1)


def test_utterances_go_shipped_while_the_cores_afford_it_then_tight() -> None:
    load = DecodingLoad(PARAMS)
    chosen = [load.begin() for _ in range(6)]
    # 3 × 0.3 = 0.9 fits in one core; a fourth shipped one would not.
    assert chosen[:3] == [Search.SHIPPED] * 3
    assert chosen[3:] == [Search.TIGHT] * 3
    assert load.demand() == pytest.approx(3 * 0.3 + 3 * 0.1)
    assert load.started == {Search.SHIPPED: 3, Search.TIGHT: 3}


def test_silent_open_calls_keep_the_tight_search_s_share_for_a_burst() -> None:
    load = DecodingLoad(PARAMS)
    for _ in range(9):
        load.opened()
    # Eight others silent (8 × 0.1) leave no room for a shipped one (0.3): the whole burst is
    # tight, 9 × 0.1 = 0.9 of the core, where without the reserve three went shipped (1.5).
    chosen = [load.begin() for _ in range(9)]
    assert chosen == [Search.TIGHT] * 9
    assert load.demand() == pytest.approx(0.9)


def test_with_few_calls_open_the_reserve_changes_nothing() -> None:
    load = DecodingLoad(PARAMS)
    for _ in range(3):
        load.opened()
    # 0.3 + 2 × 0.1, then 0.6 + 0.1, then 0.9: all three shipped, as without the reserve.
    assert [load.begin() for _ in range(3)] == [Search.SHIPPED] * 3
    load.closed()
    load.closed()
    load.closed()
    load.closed()  # more closes than opens never count below zero
    load.opened()
    assert load.begin() is Search.TIGHT  # three shipped still speaking: the cores are spoken for


def test_an_ended_utterance_frees_its_share() -> None:
    load = DecodingLoad(PARAMS)
    for _ in range(3):
        load.begin()
    assert load.begin() is Search.TIGHT
    load.end(Search.SHIPPED)
    load.end(Search.TIGHT)
    assert load.begin() is Search.SHIPPED


def test_audio_waiting_to_be_decoded_counts_as_demand() -> None:
    load = DecodingLoad(PARAMS)
    load.queued(Search.SHIPPED, 3.0)  # 3 s × 0.3 over the 1 s horizon: 0.9 of a core
    assert load.demand() == pytest.approx(0.9)
    assert load.begin() is Search.TIGHT
    load.decoded(Search.SHIPPED, 3.0, 0.9)
    assert load.demand() == pytest.approx(0.1)
    assert load.begin() is Search.SHIPPED


def test_the_rtf_follows_what_decoding_costs() -> None:
    load = DecodingLoad(LoadParams(cores=1.0, shipped_rtf=0.3, learning_audio_s=10.0))
    load.queued(Search.SHIPPED, 5.0)
    load.decoded(Search.SHIPPED, 5.0, 0.5)  # measured 0.1: halfway there with 5 of 10 s
    assert load.rtf(Search.SHIPPED) == pytest.approx(0.2)
    load.queued(Search.SHIPPED, 1.0)
    load.decoded(Search.SHIPPED, 1.0, None)  # dropped undecoded: nothing learnt
    assert load.rtf(Search.SHIPPED) == pytest.approx(0.2)
    assert load.demand() == 0.0


@pytest.fixture(scope="module")
def two_searches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoskEngine]:
    view = searched_model(KOREAN_MODEL, TIGHT, tmp_path_factory.mktemp("views"))
    engine = VoskEngine(
        KOREAN_MODEL, VoskParams(workers=2, max_idle=2, tight_model=str(view), decoding_cores=1.0)
    )
    yield engine
    engine.shutdown()


def test_an_utterance_keeps_its_search_and_the_next_is_chosen_again(
    two_searches: VoskEngine, spoken: list[bytes]
) -> None:
    engine, load = two_searches, two_searches.load
    assert engine.searches == (Search.SHIPPED, Search.TIGHT)

    async def call() -> list[tuple[Search | None, str]]:
        recognizer = await engine.open()
        assert load.calls == 1  # counted for the reserve of a burst until closed
        seen = []
        speech = spoken[1] + line_noise(0.5)
        for busy in (True, False):
            if busy:  # other callers' audio waits: the shipped search would fall behind
                load.queued(Search.SHIPPED, 10.0)
            await recognizer.feed(speech[: len(speech) // 2])
            search = recognizer.search
            if busy:  # the load goes away mid-utterance: the utterance stays where it began
                load.decoded(Search.SHIPPED, 10.0, 10.0 * load.rtf(Search.SHIPPED))
            await recognizer.feed(speech[len(speech) // 2 :])
            assert recognizer.search is search
            seen.append((search, await recognizer.finish()))
            assert recognizer.search is None
        await recognizer.close()
        await recognizer.close()  # a second close does not count the call twice
        assert load.calls == 0
        return seen

    (first, first_text), (second, second_text) = asyncio.run(call())
    assert (first, second) == (Search.TIGHT, Search.SHIPPED)
    assert first_text.strip() and second_text.strip()  # both searches recognise
    assert load.demand() == pytest.approx(0.0)
    assert Path(engine.params.tight_model).is_dir()
