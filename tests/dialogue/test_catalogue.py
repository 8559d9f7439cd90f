"""The one catalogue of spoken French (`dialogue/rasa/domain/responses.yml`): every response well
formed, every phrase said by the call itself fillable from the practice settings, the emergency
ones flagged and uninterruptible, and nothing in it that nobody ever says."""

from __future__ import annotations

import re
import string

import pytest
import yaml

import dialogue
from core import PROJECT_ROOT, PracticeConfig, load_practice
from dialogue import catalogue
from dialogue.rasa.server import PROJECT_DIR


@pytest.fixture(scope="module")
def practice() -> PracticeConfig:
    return load_practice(PROJECT_ROOT / "config" / "practice.yaml")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_phrases_said_by_the_call_itself_fill_from_the_practice(practice: PracticeConfig) -> None:
    values = set(dialogue.practice_values(practice))
    ready = [spec for spec in catalogue.catalogue().values() if spec.ready]
    assert len(ready) >= 15
    for spec in ready:
        assert _fields(spec.text) <= values, spec.key
    replies = dialogue.ready_replies(practice)
    assert all(reply.text and "{" not in reply.text for reply in replies)
    assert practice.practice.name in replies[0].text or practice.answering.greeting


def test_every_fixed_phrase_of_a_call_is_synthesised_at_start_up(
    practice: PracticeConfig,
) -> None:
    # Synthesised while the caller waits, a phrase costs them 0.1–0.3 s, and callers answered
    # with it at the same moment queue for the synthesis threads. Fragments are only said
    # inside a composed reply; the web widget's texts are never said.
    values = set(dialogue.practice_values(practice))
    not_said_alone = ("utter_fragment_", "utter_web_")
    unready = [
        key for key, spec in catalogue.catalogue().items()
        if _fields(spec.text) <= values and not spec.ready and not key.startswith(not_said_alone)
    ]
    assert unready == []
    assert "utter_take_message_instead" in {r.key for r in dialogue.ready_replies(practice)}


def test_emergency_phrases_are_flagged_and_cannot_be_talked_over(
    practice: PracticeConfig,
) -> None:
    emergency = {k: s for k, s in catalogue.catalogue().items() if s.emergency}
    assert set(emergency) == {
        "utter_emergency", "utter_emergency_suicide", "utter_emergency_deaf",
        "utter_emergency_noted",
    }
    assert all(not spec.interruptible and spec.ready for spec in emergency.values())
    said = dialogue.say("utter_emergency", practice)
    assert said.emergency and not said.interruptible
    assert practice.emergency.samu in said.text and practice.emergency.european in said.text


@pytest.mark.parametrize(
    "key", ["utter_outside_hours_message", "utter_dropped_message",
            "utter_transfer_failed_message", "utter_outside_hours_announcement",
            "utter_fallback_closed", "utter_technical_problem"],
)
def test_every_outside_hours_opening_states_the_emergency_numbers(
    key: str, practice: PracticeConfig
) -> None:
    text = dialogue.say(key, practice).text
    assert practice.emergency.samu in text and practice.emergency.european in text


def test_the_fallback_said_before_the_settings_are_read_states_the_national_numbers() -> None:
    text = dialogue.response("utter_technical_problem").text
    assert "le 15 ou le 112" in text


def test_the_emergency_question_is_asked_whole_and_waits_for_yes_or_no() -> None:
    spec = catalogue.catalogue()["utter_emergency_check"]
    assert spec.text == "Est-ce une urgence, en ce moment ?"
    assert not spec.interruptible and spec.ready and not spec.emergency
    assert spec.expecting is dialogue.Expecting.CONFIRMATION


def test_a_practice_greeting_replaces_the_catalogues(practice: PracticeConfig) -> None:
    own = practice.model_copy(update={"answering": practice.answering.model_copy(
        update={"greeting": "Cabinet des Tilleuls, bonjour."}
    )})
    greeting = catalogue.greeting(own)
    assert greeting.key == "utter_greet" and greeting.text == "Cabinet des Tilleuls, bonjour."
    assert greeting.text in {r.text for r in dialogue.ready_replies(own)}


def test_no_response_is_never_said() -> None:
    """Each key is used by the dialogue (rules, stories, domain), by code, or asks a form's
    slot (Rasa says ``utter_ask_<slot>`` by itself)."""
    sources = [
        *(PROJECT_DIR / "data").rglob("*.yml"),
        PROJECT_DIR / "domain" / "core.yml",
        *(p for d in ("dialogue", "telephony") for p in (PROJECT_ROOT / d).rglob("*.py")),
    ]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    used = set(re.findall(r"utter_\w+", text))
    domain = yaml.safe_load((PROJECT_DIR / "domain" / "core.yml").read_text(encoding="utf-8"))
    asked = {
        f"utter_ask_{slot}"
        for form in domain["forms"].values()
        for slot in form["required_slots"]
    }
    assert sorted(set(catalogue.catalogue()) - used - asked) == []
