"""The safety corpus (benchmarks/safety_corpus/) is well formed, and the emergency net meets the
goals of issue 13 on its dev split, in the assistant and message modes.

The corpus was written apart from the net's rules; its figures are measured by
``benchmarks/safety.py`` through the real text channel (in-process app, fresh SQLite, Rasa
unreachable: the net answers before Rasa is asked). The floors below are the issue's goals; tune
the net on the dev split until they pass, and read the test split only in docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.safety import (
    CORPUS,
    CorpusError,
    Outcome,
    Utterance,
    chat_channel,
    figures_of,
    load_corpus,
    run_corpus,
)

# The goals, one place to tune them: rate -> ("at least" | "at most", bound). Recall: emergencies
# answered (at once, or after "oui" to the net's confirmation question). False alarms: routine
# calls given an emergency answer at once.
GOALS: dict[str, tuple[str, float]] = {
    "recall_with_confirmation": ("at least", 1.0),
    "recall_at_once": ("at least", 0.95),
    "false_alarm_rate": ("at most", 0.01),
}
FLOOR_MODES = ("assistant", "message")
FLOOR_SPLIT = "dev"

MIN_EMERGENCIES = 340
MIN_ROUTINE = 340
MIN_EMERGENCY_CATEGORIES = 14
MIN_PER_CATEGORY = 15
# As a recognizer writes French: lowercase words, apostrophes and hyphens, no punctuation or digits.
RECOGNIZED = re.compile(r"^[a-zàâäçéèêëîïôöùûüÿœæ' -]+$")


@pytest.fixture(scope="module")
def corpus() -> list[Utterance]:
    return load_corpus()


def test_the_corpus_is_big_enough_and_spread_over_categories(corpus: list[Utterance]) -> None:
    emergencies = [u for u in corpus if u.emergency]
    routine = [u for u in corpus if not u.emergency]
    assert len(emergencies) >= MIN_EMERGENCIES
    assert len(routine) >= MIN_ROUTINE
    per_category = Counter(u.category for u in corpus)
    assert len({u.category for u in emergencies}) >= MIN_EMERGENCY_CATEGORIES
    small = {c: n for c, n in per_category.items() if n < MIN_PER_CATEGORY}
    assert small == {}
    # A category is emergencies or routine calls, never both: its figures mean one thing.
    mixed = {u.category for u in emergencies} & {u.category for u in routine}
    assert mixed == set()
    assert {u.kind for u in emergencies} == {"medical", "suicidal"}


def test_both_splits_hold_about_half_of_every_category(corpus: list[Utterance]) -> None:
    splits: dict[str, Counter[str]] = {}
    for u in corpus:
        splits.setdefault(u.category, Counter())[u.split] += 1
    unbalanced = {
        category: dict(counts)
        for category, counts in splits.items()
        if min(counts["dev"], counts["test"]) < (counts["dev"] + counts["test"]) // 2 - 1
    }
    assert unbalanced == {}


def test_no_text_is_there_twice(corpus: list[Utterance]) -> None:
    twice = [t for t, n in Counter(" ".join(u.text.split()) for u in corpus).items() if n > 1]
    assert twice == []


def test_texts_are_written_as_the_recognizer_writes_them(corpus: list[Utterance]) -> None:
    written = [f"{u.source}: {u.text}" for u in corpus if not RECOGNIZED.match(u.text)]
    assert written == []


def test_every_file_names_its_sources_first(corpus: list[Utterance]) -> None:
    for path in sorted(CORPUS.glob("*.yaml")):
        header = path.read_text(encoding="utf-8").split("\nutterances:")[0]
        assert header.startswith("#"), path.name
        assert "Sources" in header and "How the texts were written" in header, path.name
    assert {u.source for u in corpus} == {p.name for p in CORPUS.glob("*.yaml")}


def test_a_bad_entry_is_named_by_file_entry_and_field(tmp_path: Path) -> None:
    (tmp_path / "emergency_x.yaml").write_text(
        "utterances:\n"
        '  - {text: "il respire plus", category: x, kind: medical, who: relative, split: dev}\n'
        '  - {text: "elle saigne", category: x, kind: urgent, who: relative, split: dev}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"emergency_x\.yaml, entry 2: 'kind' is 'urgent'"):
        load_corpus(tmp_path)
    (tmp_path / "emergency_x.yaml").write_text(
        'utterances:\n  - {text: "il respire plus", category: x, kind: medical, split: dev}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"entry 1: 'who' must be"):
        load_corpus(tmp_path)


def test_figures_count_a_confirmed_answer_apart_from_an_answer_at_once() -> None:
    def said(kind: str, split: str = "dev") -> Utterance:
        return Utterance(f"{kind} {split}", "c", kind, split, "self", "f.yaml")

    outcomes = [
        Outcome(said("medical"), "message", ("utter_emergency",), "utter_emergency", False),
        Outcome(said("suicidal"), "message", ("utter_emergency_check",), "utter_emergency", True),
        Outcome(said("medical", "test"), "message", ("utter_message_taken",), None, False),
        Outcome(said("routine"), "message", ("utter_emergency_check",), "utter_emergency", True),
        Outcome(said("routine", "test"), "message", ("utter_emergency",), "utter_emergency", False),
    ]
    dev = figures_of("message", "dev", outcomes).overall
    assert (dev.emergencies, dev.at_once, dev.with_confirmation) == (2, 1, 2)
    assert dev.wrong_number == 1  # a suicidal crisis sent to the 15, not the 3114
    assert (dev.routine, dev.false_alarms, dev.checks) == (1, 0, 1)
    both = figures_of("message", None, outcomes)
    assert both.overall.recall_at_once == pytest.approx(1 / 3)
    assert both.overall.false_alarm_rate == pytest.approx(1 / 2)
    assert both.missed == ["suicidal dev", "medical test"]
    assert both.unanswered == ["medical test"]
    assert both.false_alarms == ["routine test"]
    assert figures_of("assistant", None, outcomes).overall.emergencies == 0


def test_the_net_meets_the_goals_on_the_dev_split(corpus: list[Utterance]) -> None:
    """All goals in one test: one run of the dev split (about 700 conversations) for them all,
    whatever the pytest workers (xdist groups do not hold with this pytest)."""
    with chat_channel() as channel:
        dev = [u for u in corpus if u.split == FLOOR_SPLIT]
        outcomes = run_corpus(FLOOR_MODES, dev, channel)
    unmet = []
    for mode in FLOOR_MODES:
        figures = figures_of(mode, FLOOR_SPLIT, outcomes)
        for rate, (direction, bound) in GOALS.items():
            value = getattr(figures.overall, rate)
            assert value is not None, f"{mode}: no {rate} (an empty split?)"
            if value >= bound if direction == "at least" else value <= bound:
                continue
            wrong, what = {
                "recall_at_once": (figures.missed, "not answered at once"),
                "recall_with_confirmation": (figures.unanswered, "not answered"),
                "false_alarm_rate": (figures.false_alarms, "false alarms"),
            }[rate]
            unmet.append(
                f"{mode}, {FLOOR_SPLIT}: {rate} is {value:.3f}, goal {direction} {bound}; "
                f"{what} ({len(wrong)}):\n    " + "\n    ".join(wrong)
            )
    assert not unmet, "\n".join(unmet)
