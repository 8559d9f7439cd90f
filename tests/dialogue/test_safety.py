"""Emergency safety net: phrases with speech-recognition variants, and ordinary talk left alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.french.normalize import normalize_transcript
from dialogue.safety import (
    PHRASES_FILE,
    EmergencyCategory,
    EmergencyKind,
    check_emergency,
    compile_phrase,
    fold_for_matching,
    parse_phrasebook,
    phrasebook,
)

C = EmergencyCategory
# The net runs on raw recognizer text and on normalised text alike (the session normalises first).
AS_HEARD = pytest.mark.parametrize(
    "prepare", [str, normalize_transcript], ids=["raw", "normalized"]
)


@pytest.mark.parametrize(
    ("said", "category"),
    [
        # chest pain / cardiac
        ("j'ai une douleur dans la poitrine", C.CHEST_PAIN),
        ("euh j'ai mal à la poitrine", C.CHEST_PAIN),
        ("j ai mal a la poitrine", C.CHEST_PAIN),
        ("une douleur très forte à la poitrine", C.CHEST_PAIN),
        ("j'ai comme un serrement", C.CHEST_PAIN),
        ("ça me serre dans la poitrine", C.CHEST_PAIN),
        ("mon mari fait une crise cardiaque", C.CHEST_PAIN),
        ("je crois que c'est un infarctus", C.CHEST_PAIN),
        ("douleur thoracique", C.CHEST_PAIN),
        # breathing
        ("il ne respire plus", C.BREATHING),
        ("IL NE RESPIRE PLUS !!!", C.BREATHING),
        ("il respire plu", C.BREATHING),
        ("j'arrive pas à respirer", C.BREATHING),
        ("je n'arrive plus à respirer", C.BREATHING),
        ("j'arrive plus respirer", C.BREATHING),
        ("elle peut plus respirer", C.BREATHING),
        ("mon bébé s'étouffe", C.BREATHING),
        ("il étouffe", C.BREATHING),
        ("j'ai du mal à respirer", C.BREATHING),
        ("il a les lèvres bleues", C.BREATHING),
        # unconscious
        ("il est inconscient", C.UNCONSCIOUS),
        ("il est in conscient", C.UNCONSCIOUS),
        ("ma femme ne répond plus", C.UNCONSCIOUS),
        ("il répond plus quand je lui parle", C.UNCONSCIOUS),
        ("elle s'est évanouie", C.UNCONSCIOUS),
        ("elle s est evanouie", C.UNCONSCIOUS),
        ("il a perdu connaissance", C.UNCONSCIOUS),
        ("il est tombé dans les pommes", C.UNCONSCIOUS),
        ("il ne se réveille pas", C.UNCONSCIOUS),
        ("mon père fait un malaise", C.UNCONSCIOUS),
        # stroke
        ("sa bouche est de travers", C.STROKE),
        ("il a la bouche tordue", C.STROKE),
        ("il est paralysé du côté droit", C.STROKE),
        ("elle est paralysee", C.STROKE),
        ("elle n'arrive plus à parler", C.STROKE),
        ("il peut plus parler", C.STROKE),
        ("je crois qu'il fait un AVC", C.STROKE),
        ("il fait un a v c", C.STROKE),
        ("un accident vasculaire cérébral", C.STROKE),
        ("il ne sent plus son bras", C.STROKE),
        # heavy bleeding
        ("ça saigne beaucoup", C.BLEEDING),
        ("il saigne énormément", C.BLEEDING),
        ("il fait une hémorragie", C.BLEEDING),
        ("une emorragie", C.BLEEDING),
        ("il a perdu beaucoup de sang", C.BLEEDING),
        ("elle vomit du sang", C.BLEEDING),
        ("le sang s'arrête pas", C.BLEEDING),
        # poisoning / overdose
        ("il a avalé des médicaments", C.POISONING),
        ("ma fille a avalé toute une boîte de cachets", C.POISONING),
        ("il a pris trop de somnifères", C.POISONING),
        ("mon fils a bu de la javel", C.POISONING),
        ("une intoxication au monoxyde de carbone", C.POISONING),
        ("je crois qu'il est empoisonné", C.POISONING),
        ("c'est une overdose", C.POISONING),
        # seizures
        ("il fait des convulsions", C.SEIZURE),
        ("il convulse", C.SEIZURE),
        ("elle fait une crise d'épilepsie", C.SEIZURE),
        ("une crise d epilepsie", C.SEIZURE),
        # severe allergy
        ("ma gorge gonfle", C.ALLERGY),
        ("j'ai la gorge qui gonfle", C.ALLERGY),
        ("son visage a gonflé", C.ALLERGY),
        ("il gonfle de partout après une piqûre de guêpe", C.ALLERGY),
        ("un œdème de Quincke", C.ALLERGY),
        ("un oedeme", C.ALLERGY),
        ("un choc anaphylactique", C.ALLERGY),
        # suicidal words
        ("je veux me suicider", C.SUICIDAL),
        ("j'ai envie de me suicider", C.SUICIDAL),
        ("je veux en finir", C.SUICIDAL),
        ("j'ai envie d'en finir", C.SUICIDAL),
        ("je vais mettre fin à mes jours", C.SUICIDAL),
        ("je veux mourir", C.SUICIDAL),
        ("j'ai plus envie de vivre", C.SUICIDAL),
        ("j'ai pas envie de vivre", C.SUICIDAL),
        ("je vais me foutre en l'air", C.SUICIDAL),
        ("j'ai des idées noires", C.SUICIDAL),
        ("mon frère a fait une tentative de suicide", C.SUICIDAL),
    ],
)
@AS_HEARD
def test_emergency_phrases(
    said: str, category: EmergencyCategory, prepare: Callable[[str], str]
) -> None:
    hit = check_emergency(prepare(said))
    assert hit is not None
    assert hit.category is category
    assert category in hit.categories
    assert not hit.negated


@pytest.mark.parametrize(
    "said",
    [
        "j'ai mal au dos depuis une semaine je voudrais un rendez-vous",
        "pour un certificat de sport",
        "mon fils a de la fièvre",
        "je voudrais renouveler mon ordonnance",
        "je voudrais un arrêt de travail",
        "c'est pour une prise de sang",
        "j'ai mal au cœur depuis ce matin",
        "j'ai mal à la gorge",
        "je me suis fait une entorse et la cheville a gonflé",
        "j'ai pris mes médicaments ce matin",
        "j'ai fini toute la boîte il me faut une ordonnance",
        "ça m'a pris trop de temps",
        "j'ai une intoxication alimentaire depuis hier",
        "j'ai un œdème aux chevilles",
        "le secrétariat ne répond pas au téléphone",
        "personne ne répond jamais",
        "le docteur ne répond pas à mes messages",
        "je voudrais en finir avec ce mal de dos",
        "c'est pour un vaccin",
        "euh bonjour je voudrais prendre un rendez-vous jeudi prochain vers dix heures et demie",
        "je voudrais parler à la secrétaire",
        "je suis un peu essoufflé quand je monte les escaliers",
        "j'ai des saignements de nez de temps en temps",
        "mon bilan sanguin est prêt",
        "le cabinet est ouvert le samedi",
        "c'est au sujet de la facture",
        "",
        "euh ben hum",
    ],
)
@AS_HEARD
def test_ordinary_talk_is_not_an_emergency(said: str, prepare: Callable[[str], str]) -> None:
    assert check_emergency(prepare(said)) is None


@pytest.mark.parametrize(
    ("said", "category"),
    [
        ("il n'a pas de douleur dans la poitrine", C.CHEST_PAIN),
        ("je n'ai aucune douleur thoracique", C.CHEST_PAIN),
        ("il est tombé sans perte de connaissance", C.UNCONSCIOUS),
        ("pas d'idées noires rassurez-vous", C.SUICIDAL),
    ],
)
def test_negated_phrases_still_hit_but_are_marked(said: str, category: EmergencyCategory) -> None:
    hit = check_emergency(said)
    assert hit is not None
    assert hit.category is category
    assert hit.negated


def test_affirmed_phrase_wins_over_negated_one() -> None:
    hit = check_emergency("pas de douleur dans la poitrine mais il ne respire plus")
    assert hit is not None
    assert hit.category is C.BREATHING
    assert not hit.negated


def test_negative_phrases_are_never_marked_negated() -> None:
    hit = check_emergency("il ne respire pas")
    assert hit is not None
    assert not hit.negated


def test_overdose_with_suicidal_words_reports_both_medical_first() -> None:
    hit = check_emergency("j'ai avalé des médicaments pour en finir")
    assert hit is not None
    assert hit.category is C.POISONING
    assert hit.kind is EmergencyKind.MEDICAL
    assert hit.categories == frozenset({C.POISONING, C.SUICIDAL})


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("je veux mourir", EmergencyKind.SUICIDAL),
        ("il ne respire plus", EmergencyKind.MEDICAL),
        ("hémorragie", EmergencyKind.MEDICAL),
    ],
)
def test_kind_selects_the_answer(said: str, kind: EmergencyKind) -> None:
    hit = check_emergency(said)
    assert hit is not None
    assert hit.kind is kind


def test_hit_reports_the_listed_phrase_not_the_callers_words() -> None:
    hit = check_emergency("Mme Dupont ne respire plus")
    assert hit is not None
    assert hit.phrase == "ne? respire plus|plu|pas|mal"
    assert "dupont" not in hit.phrase.lower()


def test_phrase_file_covers_every_category_in_priority_order() -> None:
    document = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    assert list(document["categories"]) == [category.value for category in EmergencyCategory]
    kinds = {entry.category: entry.kind for entry in phrasebook()}
    assert kinds[C.SUICIDAL] is EmergencyKind.SUICIDAL
    assert {kind for category, kind in kinds.items() if category is not C.SUICIDAL} == {
        EmergencyKind.MEDICAL
    }


@pytest.mark.parametrize(
    "document",
    [
        None,
        {"categories": []},
        {"categories": {"chest_pain": {"kind": "medical", "phrases": ["x"]}}},  # missing ones
        {
            "categories": {c.value: {"kind": "medical", "phrases": ["x"]} for c in C}
            | {"sneezing": {"kind": "medical", "phrases": ["x"]}}
        },
        {"categories": {c.value: {"kind": "urgent", "phrases": ["x"]} for c in C}},
        {"categories": {c.value: {"kind": "medical", "phrases": []} for c in C}},
        {"categories": {c.value: {"kind": "medical", "phrases": ["…"]} for c in C}},
    ],
)
def test_malformed_phrase_file_is_refused(document: Any) -> None:
    with pytest.raises(ValueError, match="emergency phrase"):
        parse_phrasebook(document)


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("ne? respire plus", "il respire plus", True),
        ("ne? respire plus", "il ne respire plus", True),
        ("arrive pas|plus à? respirer", "j arrive plus respirer", True),
        ("douleur … poitrine", "douleur tres forte a la poitrine", True),
        ("douleur … poitrine", "douleur dans le dos et puis dans la poitrine", False),
        ("évanoui", "elle est evanouie", True),
        ("évanoui", "evanouissant", False),
        ("avc", "un avc hier", True),
        ("avc", "avcx", False),
    ],
)
def test_phrase_syntax(phrase: str, text: str, matches: bool) -> None:
    assert (compile_phrase(phrase).search(f" {text} ") is not None) is matches


def test_fold_for_matching() -> None:
    assert fold_for_matching("Euh, J'AI mal à la Poitrine !") == "j ai mal a la poitrine"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_check_emergency_never_crashes(text: str) -> None:
    hit = check_emergency(text)
    assert hit is None or hit.category in hit.categories
