"""The conversation benchmark's floors (`benchmarks/conversation.py`), on a handful of its
scripted callers, through /api/chat with the session's real Rasa server: a known patient books
in at most 4 turns, a new one with everything in the opening in at most 6, nothing is asked
twice, and what is booked is what was wanted."""

from __future__ import annotations

import pytest

from benchmarks.conversation import CALLERS, play_all
from tests.conftest import LiveGateway
from tests.support import API_TOKEN

pytestmark = pytest.mark.rasa


def test_the_scripted_callers_book_in_few_turns_and_are_never_asked_twice(
    rasa_server: str, live_gateway: LiveGateway
) -> None:
    chosen = tuple(c for c in CALLERS if c.happy_path or "corrige" in c.kind)
    assert len(chosen) >= 3
    results = play_all(
        live_gateway.url, API_TOKEN, live_gateway.context, chosen,
        numbers=lambda n: f"+33698{n:04d}21",
    )
    for played in results:
        assert played.unexpected is None, played
        assert played.reasked == [], played
        assert played.correct, played
        if played.goal is not None:
            assert played.turns <= played.goal, played
