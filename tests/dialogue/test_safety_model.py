"""The emergency net's classifier (dialogue/safety_model.py): it asks, and answers at once only
when sure; it never lowers nor replaces a rule's verdict, only raises the rules' question when
sure; it learns from no text of the corpus's held-out split; its thresholds are the ones
cross-validation on dev gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialogue import safety, safety_model
from dialogue.safety import CLASSIFIER_PHRASE, check_emergency, open_to_classifier
from dialogue.safety_net import EmergencyKind, EmergencyLevel
from tests.dialogue.safety_examples import CERTAIN, NOT_CERTAIN, POSSIBLE, ROUTINE


def _always(kind: EmergencyKind | None, sure: bool = False) -> object:
    return lambda text: None if kind is None else safety_model.Opinion(kind, sure)


ROUTINE_TEXT = "je voudrais un rendez vous pour mardi matin"


def test_the_classifier_alone_asks_and_answers_at_once_only_when_sure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(safety, "classifier_opinion", _always(EmergencyKind.MEDICAL))
    hit = check_emergency(ROUTINE_TEXT)
    assert hit is not None
    assert (hit.level, hit.phrase) == (EmergencyLevel.POSSIBLE, CLASSIFIER_PHRASE)
    assert hit.category in hit.categories
    monkeypatch.setattr(safety, "classifier_opinion", _always(EmergencyKind.SUICIDAL))
    hit = check_emergency(ROUTINE_TEXT)
    assert hit is not None and hit.kind is EmergencyKind.SUICIDAL and not hit.certain
    monkeypatch.setattr(safety, "classifier_opinion", _always(EmergencyKind.SUICIDAL, sure=True))
    hit = check_emergency(ROUTINE_TEXT)
    assert hit is not None and hit.certain and hit.kind is EmergencyKind.SUICIDAL
    assert (hit.phrase, hit.raised) == (CLASSIFIER_PHRASE, False)


@pytest.mark.parametrize("kind", [None, EmergencyKind.MEDICAL, EmergencyKind.SUICIDAL])
@pytest.mark.parametrize("sure", [False, True])
def test_a_rule_verdict_is_never_lowered_nor_replaced(
    monkeypatch: pytest.MonkeyPatch, kind: EmergencyKind | None, sure: bool
) -> None:
    said = [*(t for texts in CERTAIN.values() for t in texts[:4]), *POSSIBLE,
            "il n'a pas de douleur dans la poitrine"]
    by_rules = {text: safety._rules_verdict(text) for text in said}
    monkeypatch.setattr(safety, "classifier_opinion", _always(kind, sure))
    for text in said:
        rules, hit = by_rules[text], check_emergency(text)
        assert rules is not None and hit is not None
        # Everything the rules found is kept: category, rule, kind and why it was lowered.
        assert (hit.category, hit.phrase, hit.kind, hit.lowered) == (
            rules.category, rules.phrase, rules.kind, rules.lowered)
        # Only a question, not denied, is raised, and only by a sure classifier.
        raised = (kind is not None and sure and not rules.certain
                  and not safety.denies_a_sign(text) and open_to_classifier(text))
        assert (hit.level, hit.raised) == (
            (EmergencyLevel.CERTAIN, True) if raised else (rules.level, False)), text


def test_a_sure_classifier_only_asks_where_the_caller_denied_a_sign(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Letter groups read "fièvre" in "il a pas de fièvre": the denial leaves them a question.
    denied = "mon bébé fait ses dents il bave beaucoup il a pas de fièvre"
    said = "mon bébé fait ses dents il bave beaucoup"
    assert safety._rules_verdict(denied) is None and safety._rules_verdict(said) is None
    assert safety.denies_a_sign(denied) and not safety.denies_a_sign(said)
    monkeypatch.setattr(safety, "classifier_opinion", _always(EmergencyKind.MEDICAL, sure=True))
    asked, answered = check_emergency(denied), check_emergency(said)
    assert asked is not None and asked.level is EmergencyLevel.POSSIBLE
    assert answered is not None and answered.level is EmergencyLevel.CERTAIN


def test_without_doubt_the_classifier_answers_only_when_sure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The gate's answers to a name, date-of-birth or number question: the rules' verdict as
    # ever, the classifier's doubt not asked about, its certainty still answered at once.
    monkeypatch.setattr(safety, "classifier_opinion", _always(EmergencyKind.MEDICAL))
    assert check_emergency(ROUTINE_TEXT, doubt=False) is None
    for text in POSSIBLE:
        assert check_emergency(text, doubt=False) == check_emergency(text), text
    monkeypatch.setattr(safety, "classifier_opinion", _always(EmergencyKind.MEDICAL, sure=True))
    hit = check_emergency(ROUTINE_TEXT, doubt=False)
    assert hit is not None and hit.certain and hit.phrase == CLASSIFIER_PHRASE


def test_names_the_classifier_doubts_are_left_to_the_rules_in_answer_to_the_name() -> None:
    relatives = ("mon grand-père", "ma mère", "mon frère", "ma belle-mère", "le patient")
    names = ("andré blanc", "paul martin", "jeanne moreau", "lucie garnier")
    said = [f"{who} s'appelle {name}" for who in relatives for name in names]
    doubted = [text for text in said if check_emergency(text) is not None]
    # Trained on « il sait plus comment il s'appelle », the letter groups still doubt some.
    assert doubted, "no name doubted any more: the case this test guards is gone"
    assert [text for text in said if check_emergency(text, doubt=False) is not None] == []
    for sign in ("il respire plus", "elle a fait une overdose", "il est tout bleu"):
        text = f"mon grand-père s'appelle andré blanc {sign}"
        hit = check_emergency(text, doubt=False)
        assert hit is not None and hit.certain, text


def _scored(label: str, scores: list[float]) -> list[tuple[safety_model.Example, float]]:
    return [(safety_model.Example(f"{label} {i}", label, "dev"), p) for i, p in enumerate(scores)]


def test_the_classifier_has_its_own_question_budget() -> None:
    # 100 routine texts, 5 of which the rules ask about (they score highest): a 2 % budget lets
    # the classifier add 2 questions of its own, whatever the rules ask.
    routine = _scored("routine", [0.99, 0.98, 0.97, 0.96, 0.95, 0.9, 0.8, 0.7, *[0.1] * 92])
    asked = {f"routine {i}" for i in range(5)}
    threshold = safety_model.chosen_threshold(
        [*routine, *_scored("medical", [0.99] * 10)], asked.__contains__, lambda text: True, 0.02
    )
    assert 0.7 < threshold <= 0.8
    # Texts closed to the classifier are not its questions either.
    closed = {"routine 5"}
    threshold = safety_model.chosen_threshold(
        routine, asked.__contains__, lambda text: text not in closed, 0.02
    )
    assert 0.1 < threshold <= 0.7


def test_what_the_file_cues_as_past_or_a_figure_of_speech_is_left_to_the_rules() -> None:
    assert not open_to_classifier("mon fils a eu des convulsions il y a trois ans")
    assert not open_to_classifier("je suis mort de rire")
    assert not open_to_classifier("mal")
    assert open_to_classifier("il a pris toute la boite de doliprane de sa mère")


def test_it_learns_no_text_of_the_held_out_split() -> None:
    held_out = set()
    for path in safety_model.CORPUS_FOLDER.glob("*.yaml"):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))["utterances"]
        held_out |= {" ".join(e["text"].split()) for e in entries if e["split"] == "test"}
    learnt = {" ".join(e.text.split()) for e in safety_model.training_examples()}
    if not held_out:
        pytest.skip("no held-out split yet: the old one became dev, the new one is being written")
    # A count, never the texts: the held-out split stays unseen by whoever tunes the net.
    overlap = len(held_out & learnt)
    assert overlap == 0
    assert {e.origin for e in safety_model.training_examples()} == {"dev", "own", "nlu"}


def test_its_thresholds_are_the_ones_cross_validation_gives() -> None:
    scored = safety_model.cross_validated_scores()
    verdict = safety._rules_verdict
    chosen = safety_model.chosen_threshold(
        scored, lambda text: verdict(text) is not None, open_to_classifier
    )
    # Rounded up to two decimals; a change of the training texts that moves it fails here.
    assert chosen <= safety_model.THRESHOLD < chosen + 0.02

    def certain_by_rules(text: str) -> bool:
        return (hit := verdict(text)) is not None and hit.certain

    def may_answer(text: str) -> bool:
        return open_to_classifier(text) and not safety.denies_a_sign(text)

    sure = safety_model.sure_threshold(scored, certain_by_rules, may_answer)
    # Never under what dev allows, nor under an example that must not be answered at once (other
    # authors: cross-validation on dev is optimistic); the margin above both is bounded.
    model = safety_model.safety_model()
    examples = max(
        model.score(text)[0]
        for text in (*ROUTINE, *NOT_CERTAIN, *POSSIBLE)
        if may_answer(text) and not certain_by_rules(text)
    )
    assert max(sure, examples) <= safety_model.SURE_THRESHOLD < max(sure, examples) + 0.03
    assert safety_model.THRESHOLD < safety_model.SURE_THRESHOLD


def test_it_names_the_kind_it_suspects() -> None:
    model = safety_model.safety_model()
    medical, kind = model.score("mon mari a une douleur qui lui serre la poitrine et il transpire")
    assert kind is EmergencyKind.MEDICAL and medical >= safety_model.THRESHOLD
    suicidal, kind = model.score("ce soir je pense à me tuer je veux plus vivre")
    assert kind is EmergencyKind.SUICIDAL and suicidal >= safety_model.THRESHOLD
    routine, _ = model.score("je voudrais renouveler mon ordonnance de la pilule")
    assert routine < safety_model.THRESHOLD


def test_a_bad_training_file_is_named_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "emergency_training.fr.yaml"
    path.write_text("emergencies:\n  urgent:\n    x: [a]\nroutine: [b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"emergency_training\.fr\.yaml: 'emergencies\.urgent'"):
        safety_model._own_examples(path)
    path.write_text("emergencies:\n  medical:\n    x: []\nroutine: [b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"emergency_training\.fr\.yaml: x: must be a non-empty"):
        safety_model._own_examples(path)
