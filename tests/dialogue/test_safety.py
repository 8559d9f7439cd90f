"""The emergency net: signs said many ways by category, routine requests left alone, the cues
that lower a sign (negation, past, lasting, mild, routine), and the rule file itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.french.normalize import normalize_transcript
from dialogue.safety import (
    CLASSIFIER_PHRASE,
    PHRASES_FILE,
    EmergencyCategory,
    EmergencyKind,
    EmergencyLevel,
    Lowering,
    check_emergency,
    emergency_in,
    emergency_net,
    fold_for_matching,
    parse_net,
)
from dialogue.safety_net import CUE_LISTS
from dialogue.safety_rules import Compiler, RuleError, Utterance
from tests.dialogue.safety_examples import CERTAIN, NOT_CERTAIN, POSSIBLE, ROUTINE

C = EmergencyCategory
# The net reads raw recognizer text and normalised text alike (the session normalises first).
PREPARED: dict[str, Callable[[str], str]] = {"raw": str, "normalized": normalize_transcript}


def _describe(said: str) -> str:
    hit = check_emergency(said)
    if hit is None:
        return f"{said!r}: nothing"
    return f"{said!r}: {hit.category.value} {hit.level.label} ({hit.phrase}; {hit.lowered})"


@pytest.mark.parametrize("prepare", PREPARED)
@pytest.mark.parametrize("category", CERTAIN)
def test_emergencies_are_answered_at_once(category: str, prepare: str) -> None:
    misses = []
    for said in CERTAIN[category]:
        text = PREPARED[prepare](said)
        hit = check_emergency(text)
        if hit is None or not hit.certain or C(category) not in hit.categories:
            misses.append(_describe(text))
    assert not misses, "\n".join(misses)


@pytest.mark.parametrize("prepare", PREPARED)
def test_unsure_signs_get_the_question(prepare: str) -> None:
    wrong = [
        _describe(text)
        for text in map(PREPARED[prepare], POSSIBLE)
        if emergency_in(text) is not EmergencyLevel.POSSIBLE
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("prepare", PREPARED)
def test_history_and_mild_symptoms_never_get_the_emergency_answer(prepare: str) -> None:
    wrong = [
        _describe(text)
        for text in map(PREPARED[prepare], NOT_CERTAIN)
        if emergency_in(text) is EmergencyLevel.CERTAIN
    ]
    assert not wrong, "\n".join(wrong)


# The classifier may ask about a few routine calls (never answer them): 0.5 % of the dev split's
# under cross-validation; these examples were not among its training texts (15 of 726 at 0.58).
CLASSIFIER_ASKS_AT_MOST = 0.025


@pytest.mark.parametrize("prepare", PREPARED)
def test_routine_requests_are_left_alone(prepare: str) -> None:
    hits = {text: check_emergency(text) for text in map(PREPARED[prepare], ROUTINE)}
    raised = [
        _describe(text)
        for text, hit in hits.items()
        if hit is not None and (hit.phrase != CLASSIFIER_PHRASE or hit.certain)
    ]
    assert not raised, "\n".join(raised)
    asked = [_describe(text) for text, hit in hits.items() if hit is not None]
    assert len(asked) <= CLASSIFIER_ASKS_AT_MOST * len(ROUTINE), "\n".join(asked)


@pytest.mark.parametrize(
    ("said", "level"),
    [
        # Not negations: the cases.
        ("je n'ai jamais eu aussi mal à la poitrine", EmergencyLevel.CERTAIN),
        ("sans arrêt j'ai mal à la poitrine", EmergencyLevel.CERTAIN),
        ("ça saigne sans arrêt", EmergencyLevel.CERTAIN),
        ("je ne me sens pas du tout bien", EmergencyLevel.POSSIBLE),
        ("je n'arrive plus à respirer", EmergencyLevel.CERTAIN),
        ("il a de plus en plus mal à la poitrine", EmergencyLevel.CERTAIN),
        ("je ne sais pas il a mal à la poitrine", EmergencyLevel.CERTAIN),
        ("mon bébé ne pleure plus il gémit", EmergencyLevel.CERTAIN),
        # Negations: the sign is denied, so it is asked about, not answered.
        ("il n'a pas de douleur dans la poitrine", EmergencyLevel.POSSIBLE),
        ("je n'ai aucune douleur thoracique", EmergencyLevel.POSSIBLE),
        ("il n'a plus mal à la poitrine", EmergencyLevel.POSSIBLE),
        ("elle ne saigne pas beaucoup", EmergencyLevel.POSSIBLE),
        ("pas de douleur dans la poitrine mais il ne respire plus", EmergencyLevel.CERTAIN),
        ("pas de fièvre mais une douleur dans la poitrine", EmergencyLevel.CERTAIN),
        # Who or what a sign is about, denied right before it: the rule no longer holds.
        ("je suis allergique aux guêpes et une guêpe m'a piqué", EmergencyLevel.CERTAIN),
        ("je suis pas allergique aux guêpes et une guêpe m'a piqué", EmergencyLevel.POSSIBLE),
        ("il a pas de fièvre mon bébé ne boit plus rien", EmergencyLevel.CERTAIN),
        # "pas" or "plus" right after the sign, the "ne" dropped: a denial, but not a degree, a
        # comparison, nor a verb whose absence is the sign.
        ("il a de la fièvre mais il convulse pas il joue", EmergencyLevel.POSSIBLE),
        ("elle est enceinte elle saigne pas elle a des nausées", EmergencyLevel.POSSIBLE),
        ("il convulse plus depuis ce matin", EmergencyLevel.POSSIBLE),
        ("il convulse plus fort", EmergencyLevel.CERTAIN),
        ("il convulse pas comme d'habitude", EmergencyLevel.CERTAIN),
        ("il tremble de partout et il répond plus", EmergencyLevel.CERTAIN),
    ],
)
def test_negation(said: str, level: EmergencyLevel) -> None:
    assert emergency_in(said) is level, _describe(said)


def test_a_denied_sign_says_so() -> None:
    hit = check_emergency("il n'a pas de douleur dans la poitrine")
    assert hit is not None and hit.negated and hit.lowered == (Lowering.NEGATED,)
    assert hit.category is C.CHEST_PAIN


@pytest.mark.parametrize(
    ("said", "level"),
    [
        ("j'ai fait un infarctus il y a deux ans", EmergencyLevel.POSSIBLE),
        ("j'ai fait un infarctus il y a deux ans je voudrais renouveler mon traitement", None),
        ("j'ai fait un infarctus", EmergencyLevel.CERTAIN),
        ("il y a deux ans il a fait un avc", EmergencyLevel.POSSIBLE),
        # "Qui a fait" dates the event it introduces, not what is said after it.
        ("mon père qui a fait un avc voudrait renouveler son traitement", None),
        ("quelqu un qui a fait un malaise faut faire un massage cardiaque", EmergencyLevel.CERTAIN),
        # The past is in another clause: what happens now is answered.
        ("l'an dernier il a fait un avc et là il a la bouche de travers", EmergencyLevel.CERTAIN),
        ("j'ai accouché il y a trois jours et je saigne énormément", EmergencyLevel.CERTAIN),
        # A nearer "now" cue wins over the past one.
        ("il a eu un infarctus l'an dernier et depuis ce matin il a mal à la poitrine",
         EmergencyLevel.CERTAIN),
        ("j'ai mal à la poitrine depuis trois semaines", EmergencyLevel.POSSIBLE),
        ("j'ai mal à la poitrine depuis trois semaines je voudrais un rendez-vous", None),
        ("j'ai mal à la poitrine depuis une heure", EmergencyLevel.CERTAIN),
        ("j'ai un peu de mal à respirer", EmergencyLevel.POSSIBLE),
        # A mild word said before the sign's clause is about something else.
        ("j'ai un peu peur il a mal à la poitrine", EmergencyLevel.CERTAIN),
        ("il a un peu de fièvre il respire très mal", EmergencyLevel.CERTAIN),
        ("qu'est-ce qu'il faut faire en cas de douleur dans la poitrine", EmergencyLevel.POSSIBLE),
        # Suicidal words: a lasting wish to die is no less urgent, and never left unasked.
        ("j'ai envie de mourir depuis des semaines", EmergencyLevel.CERTAIN),
        # Over: whatever else was said.
        ("elle a fait une crise d'asthme cette nuit ça va mieux", EmergencyLevel.POSSIBLE),
        # ...in the sign's own clause: a new subject starts another ("ça s'est arrêté", the fit).
        ("il a convulsé ça s'est arrêté il se réveille pas", EmergencyLevel.CERTAIN),
        ("il a arrêté de convulser il est tout bleu", EmergencyLevel.CERTAIN),
        ("ça va mieux la douleur dans la poitrine", EmergencyLevel.POSSIBLE),
        # A present age is who it is about, "à seize ans" dates; "y a" is "il y a".
        ("mon fils fait des convulsions il a deux ans", EmergencyLevel.CERTAIN),
        ("j'ai fait une tentative de suicide à seize ans", EmergencyLevel.POSSIBLE),
        ("y a trois ans mon fils a fait des convulsions", EmergencyLevel.POSSIBLE),
        # Yesterday and again today, last night: now.
        ("il a vomi du sang hier et encore ce matin", EmergencyLevel.CERTAIN),
        ("dans la nuit il a fait une crise d'épilepsie qui s'arrête pas", EmergencyLevel.CERTAIN),
        ("ça saigne énormément et ça s'arrête pas", EmergencyLevel.CERTAIN),
        ("j'ai fait une tentative de suicide il y a deux ans je voudrais un rendez-vous",
         EmergencyLevel.POSSIBLE),
        # A year dates the sign, a birth year the patient; said in words or in digits alike.
        ("mon père a eu une douleur dans la poitrine en mille neuf cent cinquante",
         EmergencyLevel.POSSIBLE),
        ("mon père né en mille neuf cent cinquante a une douleur dans la poitrine",
         EmergencyLevel.CERTAIN),
        ("mon père né en 1950 a une douleur dans la poitrine", EmergencyLevel.CERTAIN),
        # What would be done, or was said: a question or a saying, not an event now.
        ("si quelqu'un fait un malaise devant moi j'appelle qui", EmergencyLevel.POSSIBLE),
        ("le spray qu'on lui donne si elle convulse", EmergencyLevel.POSSIBLE),
        ("il a mangé de la pâte à modeler j'ai appelé le centre antipoison",
         EmergencyLevel.CERTAIN),
        ("il a mangé de la pâte à modeler le centre antipoison a dit que c'était pas toxique",
         EmergencyLevel.POSSIBLE),
        ("il a mangé de la pâte à modeler le centre antipoison a dit que c'était pas toxique "
         "mais de prévenir le médecin", None),
    ],
)
def test_past_lasting_and_mild_cues(said: str, level: EmergencyLevel | None) -> None:
    assert emergency_in(said) is level, _describe(said)


@pytest.mark.parametrize(
    "said",
    ["je suis mort de rire", "c'est urgent pour mon certificat", "ma mère va me tuer",
     "je meurs de faim", "j'ai un bleu au genou", "je vous appelle à l'aide de mon portable"],
)
def test_figures_of_speech_are_no_sign(said: str) -> None:
    assert check_emergency(said) is None


def test_overdose_with_suicidal_words_reports_both_medical_first() -> None:
    hit = check_emergency("j'ai avalé toute la boîte de médicaments pour en finir")
    assert hit is not None and hit.certain
    assert hit.category is C.POISONING and hit.kind is EmergencyKind.MEDICAL
    assert {C.POISONING, C.SUICIDAL} <= hit.categories


@pytest.mark.parametrize(
    ("said", "kind"),
    [("je veux mourir", EmergencyKind.SUICIDAL), ("il ne respire plus", EmergencyKind.MEDICAL),
     ("hémorragie", EmergencyKind.MEDICAL)],
)
def test_kind_selects_the_answer(said: str, kind: EmergencyKind) -> None:
    hit = check_emergency(said)
    assert hit is not None and hit.kind is kind


def test_hit_reports_the_rule_not_the_callers_words() -> None:
    hit = check_emergency("Mme Dupont ne respire plus")
    assert hit is not None
    assert hit.phrase.startswith("ne? respire")
    assert "dupont" not in hit.phrase.lower()


# --- the file ---------------------------------------------------------------------------


def test_the_file_lists_every_category_in_priority_order() -> None:
    document = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    assert list(document["categories"]) == [category.value for category in EmergencyCategory]
    kinds = {entry.category: entry.kind for entry in emergency_net().categories}
    assert kinds[C.SUICIDAL] is EmergencyKind.SUICIDAL
    assert {k for c, k in kinds.items() if c is not C.SUICIDAL} == {EmergencyKind.MEDICAL}


def _document(**changes: Any) -> dict[str, Any]:
    """A small valid rule document (the real file takes a second to compile), changed."""
    document: dict[str, Any] = {
        "words": {"chest": ["poitrine", "cage thoracique"]},
        "negation": {"negators": ["sans"], "verb_negators": ["pas"], "openers": ["de"],
                     "window": 4},
        "lowering": {name: ["hier"] for name in CUE_LISTS} | {"window": 12},
        "categories": {c.value: {"kind": "medical", "certain": ["@chest"]} for c in C},
    }
    document.update(changes)
    return document


def _category(name: str, **body: Any) -> dict[str, Any]:
    document = _document()
    document["categories"][name] = body
    return document


def test_a_small_document_compiles() -> None:
    net = parse_net(_document())
    assert [entry.category for entry in net.categories] == list(C)


@pytest.mark.parametrize(
    ("document", "names"),
    [
        (None, "'categories' mapping"),
        (_document(categories=[]), "'categories' mapping"),
        (_document(categories={"chest_pain": {}}), "missing ['allergy'"),
        (_category("burns", kind="urgent", certain=["brule"]), "categories.burns.kind"),
        (_category("burns", kind="medical", certain=[]), "categories.burns.certain"),
        (_category("burns", kind="medical", certain=["…"]), "no word that must be said"),
        (_category("burns", kind="medical", certain=["@nowhere + feu"]), "unknown word group"),
        (_category("burns", kind="medical", certain=["x"], floor="certain"), "burns.floor"),
        (_category("burns", kind="medical", certain=["depuis hier|avant hier"]),
         "a|b takes one word each side"),
        (_category("burns", kind="medical", certain=["a peine|presque plus|presque pas"]),
         "a|b takes one word each side"),
        (_document(negation={}), "missing 'negators'"),
        # What YAML leaves of an unquoted "defibrillateur + #|deux decharges".
        (_category("burns", kind="medical", certain=["defibrillateur +"]), "a part on each side"),
        (_category("burns", kind="medical", certain=["& brule"]), "a part on each side"),
        # A caller's "deux" reaches the rules as "2": the word would never match.
        (_category("burns", kind="medical", certain=["plie en deux"]), "'deux' reaches the rules"),
        (_category("burns", kind="medical", certain=["premiere fois"]), "as '1ere'"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_place(document: Any, names: str) -> None:
    with pytest.raises(ValueError, match=r"emergency_phrases\.fr\.yaml: emergency phrases") as err:
        parse_net(document)
    assert names in str(err.value)


@pytest.mark.parametrize(
    ("rule", "text", "said"),
    [
        ("ne? respire plus", "il respire plus", True),
        ("ne? respire plus", "il ne respire plus", True),
        ("douleur … poitrine", "douleur tres forte a la poitrine", True),
        ("douleur … poitrine", "douleur dans le dos et puis dans la poitrine", False),
        ("evanoui", "elle est evanouie", True),
        ("evanoui", "evanouissant", False),
        ("gonfle!", "gorge gonflee", False),
        ("respirer", "du mal a respire", True),  # the recognizer's "respiré"
        ("respirer", "il respirait mal", True),
        ("respirer", "respiration", False),
        ("respir*", "sa respiration", True),
        # A word written as a verb's present or participle also reads as its other forms.
        ("tremble*", "il tremblait de partout", True),
        ("gonfle", "ses levres gonflaient", True),
        ("crie*", "il fait une crise", False),
        ("enfle*", "la gorge enflammee", False),
        ("avc", "avcx", False),
        ("en 19#", "en 1998", True),
        ("en 19#", "en 19", False),
        ("douleur + poitrine", "la poitrine lui fait une douleur", True),
        ("douleur + poitrine", "douleur a a a a a a a a a la poitrine", False),
        ("@chest + serre", "le thorax qui serre", True),
        ("bebe & mou", "mon bebe il a vomi toute la nuit et ce matin il est mou", True),
        ("bebe & mou", "il est mou", False),
        ("bebe & vomit + tout", "le bebe je crois qu il a de la fievre et vomit tout", True),
        ("bebe & vomit + tout", "le bebe vomit et il a de la fievre depuis hier soir et ce matin "
         "tout va mieux", False),
        # « du coup » said as « so » is no blow; the blow keeps its « de » or a word naming it.
        ("coup + tete + vomi*", "il a la gastro du coup il a mal a la tete et il vomit", False),
        ("coup + tete + vomi*", "il a mal a la tete a cause du coup et il a vomi", True),
        ("coup de poing", "il a mal a cause du coup de poing", True),
        ("coup + tete + vomi*", "un coup sur la tete du coup il vomit", True),
    ],
)
def test_rule_syntax(rule: str, text: str, said: bool) -> None:
    compiled = Compiler({"chest": ["poitrine", "cage thoracique", "thorax"]}).rule(rule)
    assert bool(compiled.find(Utterance(text))) is said


def test_a_word_group_cannot_contain_itself() -> None:
    with pytest.raises(RuleError, match="contains itself"):
        Compiler({"a": ["@b"], "b": ["@a"]}).rule("@a")


def test_fold_for_matching() -> None:
    assert fold_for_matching("Euh, J'AI mal à la Poitrine !") == "j ai mal a la poitrine"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_check_emergency_never_crashes(text: str) -> None:
    hit = check_emergency(text)
    assert hit is None or hit.category in hit.categories
