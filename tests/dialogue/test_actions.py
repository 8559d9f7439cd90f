"""The actions' small readers and the action endpoint, without the Rasa server."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from core import AppContext
from dialogue.actions.medicines import clean_medicines
from dialogue.actions.requests import CERTIFICATE_KEYWORDS, classify
from dialogue.catalogue import replies_from_rasa
from dialogue.french.names import clean_name
from dialogue.french.speech_format import say_moment, say_weekly_hours
from dialogue.french.time_preference import parse_time_preference
from dialogue.rasa.server import action_token


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("dupont", "dupont"),
        ("c'est madame dupont", "dupont"),
        ("je m'appelle marie", "marie"),
        ("d u p o n t", "dupont"),
        ("oui alors mon nom de famille c'est de la fontaine", "de la fontaine"),
        ("06 12 34 56 78", None),
        ("", None),
    ],
)
def test_names_are_taken_from_what_callers_say(said: str, name: str | None) -> None:
    assert clean_name(said) == name


def test_medicines_keep_names_and_doses_only() -> None:
    assert clean_medicines("c'est le levothyrox 75 et le kardegic") == "Levothyrox 75 et Kardegic"
    assert clean_medicines("il me faut du doliprane 1000 milligrammes") == "Doliprane 1000 mg"


def test_certificate_kinds_from_keywords() -> None:
    assert classify("pour le club de judo de mon fils", CERTIFICATE_KEYWORDS, "other") == "sport"
    assert classify("c'est pour la crèche", CERTIFICATE_KEYWORDS, "other") == "school"
    assert classify("pour mon employeur", CERTIFICATE_KEYWORDS, "other") == "work"
    assert classify("pour la mairie", CERTIFICATE_KEYWORDS, "other") == "other"


@pytest.mark.parametrize(
    "said",
    [
        "jeudi prochain vers dix heures et demie",
        "pas le mercredi, plutôt l'après-midi",
        "la semaine prochaine entre 9 heures et 11 heures",
        "le plus tôt possible",
        "n'importe quand",
        "demain à 14 heures",
    ],
)
def test_the_time_wish_reaches_the_agenda_as_understood(said: str) -> None:
    paris = ZoneInfo("Europe/Paris")
    now = dt.datetime(2027, 3, 1, 9, 0, tzinfo=paris)
    preference = parse_time_preference(said, now)
    wish = preference.wish()
    assert {f.name: getattr(wish, f.name) for f in fields(wish)} == {
        f.name: getattr(preference, f.name) for f in fields(wish)
    }
    moments = [now + dt.timedelta(minutes=25 * n) for n in range(14 * 24 * 60 // 25)]
    assert [wish.accepts(m, paris) for m in moments] == [preference.accepts(m) for m in moments]


def test_opening_hours_and_moments_are_said_in_french(context: AppContext) -> None:
    said = say_weekly_hours(context.practice.office_hours)
    assert said.startswith("le lundi de 8 heures 30 à 12 heures 30 et de 14 heures à 20 heures")
    assert "le samedi de 9 heures à 12 heures" in said
    moment = dt.datetime(2026, 12, 1, 10, 30)
    assert say_moment(moment) == "mardi 1er décembre à 10 heures 30"


def test_rasa_texts_are_paired_with_the_key_of_their_payload() -> None:
    replies = replies_from_rasa(
        [
            {"recipient_id": "x", "text": "Bonjour."},
            {"recipient_id": "x", "custom": {"key": "utter_greet_again"}},
            {"recipient_id": "x", "text": "Si c'est une urgence…"},
            {"recipient_id": "x", "custom": {"key": "utter_emergency", "interruptible": False}},
            {"recipient_id": "x", "text": "Sans clé."},
        ]
    )
    assert [(r.key, r.interruptible) for r in replies] == [
        ("utter_greet_again", True),
        ("utter_emergency", False),
        (None, True),
    ]


def _action_call(action: str, intent: str) -> dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": "chat-test",
        "tracker": {
            "sender_id": "chat-test",
            "slots": {},
            "latest_message": {"intent": {"name": intent, "confidence": 0.99}, "text": "x"},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {"slots": {}, "forms": {}, "responses": {}},
        "version": "3.6.21",
    }


def test_the_action_endpoint_gives_actions_the_app_context(
    client: TestClient, context: AppContext
) -> None:
    call = _action_call("action_practical_info", "ask_address")
    assert client.post("/dialogue/webhook", json=call).status_code == 403
    bad = client.post("/dialogue/webhook", json=call, headers={"Authorization": "Bearer guess"})
    assert bad.status_code == 403
    token = action_token(context.settings)
    reply = client.post(
        "/dialogue/webhook", json=call, headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200, reply.text
    [message] = reply.json()["responses"]
    assert message["response"] == "utter_address"
    assert message["address"] == "12 rue des Tilleuls, 69003 Lyon"


def test_every_action_is_listed_for_rasa(client: TestClient, context: AppContext) -> None:
    token = action_token(context.settings)
    listed = client.get("/dialogue/actions", headers={"Authorization": f"Bearer {token}"})
    names = {a["name"] for a in listed.json()}
    assert {"action_book", "validate_booking_form", "action_submit_renewal"} <= names
