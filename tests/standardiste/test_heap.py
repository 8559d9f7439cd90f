"""A gateway's start-up heap is frozen out of the garbage collector's full passes, in the
gateway and in its Rasa server: a full collection over it stopped every call's turn for 0.14 to
0.3 s in the gateway, 0.35 to 0.66 s in Rasa (core/heap.py, dialogue/rasa/addons/speedups.py)."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import AppContext, settle_heap
from dialogue.french.duckling_time import _engine as duckling_engine
from standardiste.server import serving_app


@pytest.fixture
def thawed() -> Iterator[None]:
    """Each test starts and ends with nothing frozen (a frozen heap is for the process)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settling_freezes_what_exists_and_leaves_later_objects_collectable(
    thawed: None,
) -> None:
    before: list[object] = []
    before.append(before)  # a container the collector tracks
    frozen = settle_heap("a test")
    after: list[object] = []
    tracked = gc.get_objects()
    # Frozen objects that die leave the frozen set (another test's thread may still be letting
    # go of some): the count can only have fallen since.
    assert 0 < gc.get_freeze_count() <= frozen
    assert not any(o is before for o in tracked)
    assert any(o is after for o in tracked)


def test_a_serving_gateway_settles_its_heap_once_its_dialogue_is_ready(
    thawed: None, context: AppContext
) -> None:
    duckling_engine.cache_clear()
    with TestClient(serving_app(context)):
        # The safety net's rules and classifier are tens of thousands of objects.
        assert gc.get_freeze_count() > 50_000
        # Duckling was loaded for the first caller who says a time, not by that caller.
        assert duckling_engine.cache_info().currsize == 1


@pytest.mark.rasa
def test_the_rasa_server_settles_its_heap_after_a_first_parse(
    rasa_server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    logs = sorted(tmp_path_factory.getbasetemp().glob("rasa*/rasa.log"))
    text = "".join(path.read_text(errors="replace") for path in logs)
    settled = re.search(r"heap settled \(model parsed: True\): (\d+) objects", text)
    assert settled is not None, f"no settling in {logs}"
    assert int(settled.group(1)) > 100_000
