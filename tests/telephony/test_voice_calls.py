"""Whole calls by voice through the simulator: Twilio's protocol, the gateway, the real Rasa server
with the trained model, its actions, Piper and the database.

Only the words come from a script (`ScriptedRecognizerFactory`): the one model installable here
is Korean. Each caller turn is real speech (the real voice saying the scripted words) that voice
activity and end of turn must find in the stream.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import agenda
import transcripts
from core import WEEKDAYS, TimeRange, WeeklyHours
from standardiste.simulator import CallerTurn, SimulatedCall, simulate_call
from telephony.tts_piper import PiperSynthesizer
from tests.telephony.conftest import VoiceGateway

BOOKING = (
    "je voudrais un rendez-vous pour une consultation avec le docteur martin",
    "jeudi matin",
    "le 2ème",
    "françois moreau",
    "le 4 septembre 1975",
    "oui",
    "oui c'est ça",
    "non merci au revoir",
)


def call(
    gateway: VoiceGateway, piper: PiperSynthesizer, words: tuple[str, ...], *, end: str = "wait"
) -> SimulatedCall:
    """A call where the caller says ``words``, one utterance each (the real voice saying them)."""
    gateway.hears(*words)
    turns = [CallerTurn(text, tuple(piper.synthesize_frames(text))) for text in words]
    return asyncio.run(simulate_call(gateway.twilio(speed=4.0), turns, end=end))


def wait_closed(gateway: VoiceGateway, call_sid: str) -> None:
    """Until the gateway closed the call's record (it does so after the socket went away)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with gateway.context.db.session() as session:
            record = transcripts.get_call(session, call_sid)
            if record is not None and record.ended_at is not None:
                return
        time.sleep(0.1)
    raise AssertionError("the call record was not closed")


def answers(result: SimulatedCall) -> list[str]:
    return [key for key in result.keys if not key.startswith("prompt.")]


def test_a_full_booking_by_voice_ends_with_the_appointment_in_the_database(
    rasa_server: str, voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("assistant")
    result = call(voice_gateway, piper, BOOKING)
    assert answers(result) == [
        "utter_greet", "utter_disclosure", "utter_how_can_i_help",
        "utter_understood_booking", "utter_ask_time_preference",
        "utter_ask_chosen_slot",
        "utter_ask_full_name",
        "utter_ask_birth_date",
        "utter_ask_phone_confirmed",
        "utter_ask_booking_confirmed",
        "utter_booked", "utter_anything_else",
        "utter_goodbye",
    ]
    assert result.close_code == 1000
    assert result.next_twiml is not None and "<Hangup" in result.next_twiml
    assert all(latency is not None for latency in result.turn_latencies_s)
    context = voice_gateway.context
    now = dt.datetime.now(dt.UTC)
    with context.db.session() as session:
        found = agenda.appointments_between(
            session, context.practice, now, now + dt.timedelta(days=60)
        )
        [booked] = [a for a in found if a.call_sid == result.call_sid]
        record = transcripts.get_call(session, result.call_sid)
        turns = transcripts.list_turns(session, result.call_sid)
    assert booked.status == "booked" and booked.practitioner_id == "martin"
    assert booked.start.weekday() == 3 and booked.start.hour < 12
    assert booked.patient.last_name is not None and booked.patient.last_name.lower() == "moreau"
    assert record is not None and record.ended_at is not None
    said = [t.text for t in turns if t.speaker == transcripts.Speaker.CALLER]
    assert said == list(BOOKING)


def test_a_dropped_call_leaves_its_message_and_releases_its_hold(
    rasa_server: str, voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("assistant")
    result = call(voice_gateway, piper, BOOKING[:4], end="drop")
    assert answers(result)[-1] == "utter_ask_birth_date"
    wait_closed(voice_gateway, result.call_sid)
    context = voice_gateway.context
    with context.db.session() as session:
        [message] = transcripts.messages_for_call(session, result.call_sid)
        holds = agenda.conversation_holds(session, context.practice, result.call_sid)
        record = transcripts.get_call(session, result.call_sid)
    assert message.kind == "failed_booking" and message.details["interrupted"] is True
    assert holds == []
    assert record is not None and record.outcome == "dropped"


def test_a_prescription_renewal_by_voice_becomes_an_inbox_message(
    rasa_server: str, voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("assistant")
    words = (
        "bonjour je voudrais renouveler mon levothyrox 75",
        "marie dupont", "le douze mars mille neuf cent cinquante quatre", "oui",
        "non merci au revoir",
    )
    result = call(voice_gateway, piper, words)
    assert "utter_renewal_noted" in answers(result)
    assert answers(result)[-1] == "utter_goodbye"
    with voice_gateway.context.db.session() as session:
        [message] = transcripts.messages_for_call(session, result.call_sid)
    assert message.kind == "renewal" and message.details["medicines"] == "Levothyrox 75"


def test_a_transfer_by_voice_makes_the_connect_action_dial_the_secretariat(
    rasa_server: str, voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("assistant")
    store = voice_gateway.context.practice_store
    config = store.current()
    all_day = WeeklyHours(**{day: [TimeRange(start=dt.time(0, 0), end=dt.time(23, 59))]
                             for day in WEEKDAYS})
    staffed = config.answering.model_copy(update={"office_hours": all_day})
    store.save(config.model_copy(update={"answering": staffed}), actor="test",
               expected_version=store.version)
    result = call(voice_gateway, piper, ("je voudrais parler à la secrétaire",))
    assert answers(result)[-1] == "utter_transfer"
    assert result.close_code == 1000
    assert result.next_twiml is not None and "<Dial " in result.next_twiml
    assert 'action="https://standardiste.example.org/twilio/dial-action"' in result.next_twiml
    assert "+33 4 78 00 00 01" in result.next_twiml
