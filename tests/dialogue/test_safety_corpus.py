"""The safety corpus (benchmarks/safety_corpus/) is well formed, and the emergency net keeps its
figures: the goals of issue 13 on the dev split, floors per category on dev, and an overall floor on
the held-out test split, so that a regression fails here.

The corpus was written apart from the net's rules; its figures are measured by
``benchmarks/safety.py`` through the real text channel (in-process app, fresh SQLite, Rasa
unreachable: the net answers before Rasa is asked). Here the floors are counted on the net alone,
and the channel is held to it in every mode on a sample. Tune the net on the dev split; the test
split is only counted here (a failure names its figures, never its texts), as in
docs/benchmarks.md.
Which rounds of authors are dev (tuned on) and which are held out is in each corpus file's
header and ``split`` field; `TUNED_ROUNDS` below records the rounds that steered the tuning, and
docs/benchmarks.md ("Safety net: what each round taught") tells when each moved.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.safety import (
    CORPUS,
    CorpusError,
    NetChannel,
    Outcome,
    Tally,
    Utterance,
    figures_of,
    load_corpus,
    run_corpus,
)

# The goals of issue 13, asserted where they are met: rate -> ("at least" | "at most", bound).
# Recall: emergencies answered (at once, or after "oui" to the net's confirmation question).
# False alarms: routine calls given an emergency answer at once. Asked: routine calls given the
# confirmation question (kept under 5 %). Dev is the whole first corpus (its old held-out half
# included, since it steered the tuning); the new held-out split is measured apart.
GOALS: dict[str, tuple[str, float]] = {
    "recall_with_confirmation": ("at least", 1.0),
    "recall_at_once": ("at least", 0.95),
    "false_alarm_rate": ("at most", 0.01),
    "confirmation_rate": ("at most", 0.05),
}
FLOOR_MODES = ("assistant",)
"""The mode the floors are measured in: the net reads one text in every mode, so the other modes
are checked to agree with it on a sample (`test_every_mode_judges_the_same`)."""
OTHER_MODES = ("message", "announcement")
MODE_SAMPLE = 800
"""About how many corpus texts, spread over every file, the other modes are run on: a fixed
number, so that the channel's share of the suite (about 0.1 s a text in three modes) does not
grow with every new round (every tenth text was 190 s of the suite with thirty-five rounds)."""
FLOOR_SPLIT = "dev"
# Overall on dev, a little under what round 45 measured once tuned on the thirty-sixth round too
# (at once 99.64 %, with confirmation 99.99 %, 16 false alarms of 8,320, asked 2.54 %): the floor
# a regression must not go under; raised as the net is fixed. The questions' floor was 3 % until
# round 26: the nineteenth round's routine calls, asked 4 % of the time, took dev to its edge.
DEV_FLOORS: dict[str, tuple[str, float]] = {
    "recall_with_confirmation": ("at least", 0.995),
    "recall_at_once": ("at least", 0.98),
    "false_alarm_rate": ("at most", 0.005),
    "confirmation_rate": ("at most", 0.035),
}
# Per category on dev (523 to 554 emergencies, 1,016 to 1,068 routine calls each since round 45):
# under the weakest category as measured in rounds 11 and 12 (79 to 85 and 144 to 164 then), with
# the margin the older, smaller rounds needed.
CATEGORY_FLOORS: dict[str, tuple[str, float]] = {
    "recall_at_once": ("at least", 0.9),
    "recall_with_confirmation": ("at least", 0.96),
    "false_alarm_rate": ("at most", 0.06),
}
# The held-out split (the thirty-seventh to fortieth rounds' authors, `*.37.yaml` to
# `*.40.yaml`, never read by whoever tunes the net), overall: a few points under its measure
# after round 45 (at once 95.8 %, 907 of 947, with confirmation 98.9 %, false alarms 1.8 %, asked
# 4.9 %; on the thirty-seventh, counted once by round 42's as last committed, 97.0 %, 99.6 %,
# 0.8 %, 4.4 %; on the thirty-eighth, by round 42's, 95.0 %, 99.2 %, 2.0 %, 3.6 %; on the
# thirty-ninth, by round 43's, 95.4 %, 99.6 %, 0.8 %, 3.6 %; on the fortieth, by round 44's,
# 94.9 %, 97.5 %, 3.6 %, 8.1 %), so that a regression fails here; the net does not depend on the
# mode, so one mode is enough. The questions' floor was 9 % for round 18 (the twelfth round's
# routine calls were asked 8.6 % of the time), 6 % before.
HELD_OUT_SPLIT = "test"
HELD_OUT_MODE = "assistant"
HELD_OUT_FLOORS: dict[str, tuple[str, float]] = {
    "recall_at_once": ("at least", 0.91),
    "recall_with_confirmation": ("at least", 0.97),
    "false_alarm_rate": ("at most", 0.05),
    "confirmation_rate": ("at most", 0.07),
}

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


TUNED_ROUNDS = frozenset(
    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
     25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36}
)
"""The rounds of authors whose every text steered the tuning: no held-out text may be there."""



def test_the_held_out_split_is_kept_in_its_own_files(corpus: list[Utterance]) -> None:
    # Its independence is the point: held-out texts only in a new round's files, none in the
    # rounds that steered the tuning (`TUNED_ROUNDS`).
    misplaced = sorted(
        {u.source for u in corpus if u.split == HELD_OUT_SPLIT and u.round in TUNED_ROUNDS}
    )
    assert misplaced == []
    assert {u.split for u in corpus if u.round in TUNED_ROUNDS} == {"dev"}


def _said(u: Utterance) -> str:
    return " ".join(u.text.split())


def test_no_text_is_there_twice(corpus: list[Utterance]) -> None:
    # Within one round of authors, a text twice would count twice. Across rounds, two authors
    # may well write the same short cry ("je vais me foutre en l'air"): allowed between dev
    # halves, never between a held-out text and one that tunes the net (counted, never shown).
    rounds = Counter((u.round, _said(u)) for u in corpus)
    held_out = {_said(u) for u in corpus if u.split == HELD_OUT_SPLIT}
    twice = {t for (_, t), n in rounds.items() if n > 1}
    twice_held_out = len(twice & held_out)
    assert sorted(twice - held_out) == []
    assert twice_held_out == 0
    leaked = len(held_out & {_said(u) for u in corpus if u.split != HELD_OUT_SPLIT})
    assert leaked == 0


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


def _unmet(tally: Tally, bounds: dict[str, tuple[str, float]]) -> list[str]:
    """The rates of ``tally`` outside ``bounds`` (a rate with nothing to count is skipped)."""
    unmet = []
    for rate, (direction, bound) in bounds.items():
        value = getattr(tally, rate)
        if value is None or (value >= bound if direction == "at least" else value <= bound):
            continue
        unmet.append(f"{rate} is {value:.3f}, {direction} {bound}")
    return unmet


def test_the_net_keeps_its_figures_on_dev(corpus: list[Utterance]) -> None:
    """The goals and floors in one test: one run for them all. On the net alone, which the
    channel is held to in every mode below (through the channel: 90 s of the suite, not 10)."""
    dev = [u for u in corpus if u.split == FLOOR_SPLIT]
    outcomes = run_corpus(FLOOR_MODES, dev, NetChannel())
    unmet = []
    for mode in FLOOR_MODES:
        figures = figures_of(mode, FLOOR_SPLIT, outcomes)
        assert figures.overall.emergencies and figures.overall.routine, f"{mode}: an empty split?"
        wrong_texts = {
            "recall_at_once": (figures.missed, "not answered at once"),
            "recall_with_confirmation": (figures.unanswered, "not answered"),
            "false_alarm_rate": (figures.false_alarms, "false alarms"),
            "confirmation_rate": ([], "asked"),
        }
        for rate, (direction, bound) in DEV_FLOORS.items():
            if not _unmet(figures.overall, {rate: (direction, bound)}):
                continue
            wrong, what = wrong_texts[rate]
            unmet.append(
                f"{mode}, {FLOOR_SPLIT}: {_unmet(figures.overall, {rate: (direction, bound)})[0]}; "
                f"{what} ({len(wrong)}):\n    " + "\n    ".join(wrong)
            )
        for category, tally in sorted(figures.categories.items()):
            unmet += [f"{mode}, {FLOOR_SPLIT}, {category}: {why}"
                      for why in _unmet(tally, CATEGORY_FLOORS)]
    assert not unmet, "\n".join(unmet)


def test_every_mode_judges_the_same(corpus: list[Utterance]) -> None:
    """The text channel, in every mode, answers as the net alone does (what the floors are
    measured on): at once, after the question, or not, and with which number."""
    sample = corpus[:: max(1, len(corpus) // MODE_SAMPLE)]
    outcomes = run_corpus((*FLOOR_MODES, *OTHER_MODES), sample)
    judged: dict[str, list[tuple[bool, bool, str | None]]] = {}
    for outcome in outcomes:
        judged.setdefault(outcome.mode, []).append(
            (outcome.at_once, outcome.confirmed, outcome.answer)
        )
    alone = [(o.at_once, o.confirmed, o.answer) for o in run_corpus(["net"], sample, NetChannel())]
    assert len(judged[FLOOR_MODES[0]]) == len(sample)
    # Counts, never texts: the sample holds held-out texts too.
    differ = {mode: sum(a != b for a, b in zip(alone, judged[mode], strict=True))
              for mode in (*FLOOR_MODES, *OTHER_MODES)}
    assert differ == dict.fromkeys((*FLOOR_MODES, *OTHER_MODES), 0)
    assert any(at_once for at_once, _, _ in alone) and any(asked for _, asked, _ in alone)


def test_the_net_keeps_its_floors_on_the_held_out_split(corpus: list[Utterance]) -> None:
    held_out = [u for u in corpus if u.split == HELD_OUT_SPLIT]
    if not held_out:
        pytest.skip("no held-out split yet: the old one became dev, the new one is being written")
    outcomes = run_corpus([HELD_OUT_MODE], held_out, NetChannel())
    held = figures_of(HELD_OUT_MODE, HELD_OUT_SPLIT, outcomes).overall
    assert held.emergencies and held.routine
    # Figures only: the held-out texts stay unseen by whoever tunes the net.
    unmet = [f"{HELD_OUT_MODE}, {HELD_OUT_SPLIT}: {why}" for why in _unmet(held, HELD_OUT_FLOORS)]
    assert not unmet, "\n".join(unmet)
