"""Patients' replies through the signed webhook: ANNULER frees the slot and confirms, STOP is
honoured until START, anything else lands in the inbox."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import agenda
import notifications
import transcripts
from core import AppContext
from standardiste.app import create_app
from tests.doubles.twilio_rest import ACCOUNT_SID, RunningStandIn
from tests.notifications.support import MOBILE, OTHER_MOBILE, SMS_NUMBER, book, rows, run, tuesday
from tests.support import PUBLIC_BASE, sign

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def web(sms_context: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=sms_context)) as client:
        yield client


def _text(web: TestClient, body: str, sender: str = MOBILE, sid: str | None = None) -> str | None:
    """The patient texts ``body``; returns the TwiML answer's words (None: no answer)."""
    params = {
        "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "Body": body, "From": sender,
        "To": SMS_NUMBER, "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
    }
    signature = sign(f"{PUBLIC_BASE}/twilio/sms", params)
    answer = web.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/xml")
    said = ET.fromstring(answer.text).find("Message")
    return said.text if said is not None else None


def test_annuler_cancels_the_appointment_of_the_last_text_and_frees_its_slot(
    sms_context: AppContext, web: TestClient
) -> None:
    start = tuesday(10)
    now = dt.datetime.now(dt.UTC)
    made = book(sms_context, start, now=now)
    run(sms_context, now)
    answer = _text(web, "Annuler svp", sid="SM" + "a" * 32)
    assert answer is not None and "votre RDV du mardi" in answer and "est annulé" in answer
    with sms_context.db.session() as session:
        info = agenda.get_appointment(session, sms_context.practice, made.id)
    assert info.status == "cancelled" and info.cancelled_by == "sms"
    # The time is free again: another patient can have it.
    again = book(sms_context, start, now=now, phone=OTHER_MOBILE, last_name="Bernard")
    assert again.start == start
    # Twilio delivering the same text twice changes nothing and answers the same.
    assert _text(web, "Annuler svp", sid="SM" + "a" * 32) == answer
    # No « cancelled » confirmation on top of the answer.
    run(sms_context, now)
    assert [r["kind"] for r in rows(sms_context)] == ["booked", "booked"]


def test_annuler_without_a_coming_appointment_answers_so_and_reaches_the_secretariat(
    sms_context: AppContext, web: TestClient
) -> None:
    answer = _text(web, "ANNULER")
    assert answer is not None and "pas trouvé de RDV" in answer and "04 78 00 00 00" in answer
    with sms_context.db.session() as session:
        [message] = transcripts.list_messages(session, kind=transcripts.MessageKind.SMS)
        assert message.callback_number == MOBILE and message.details == {"text": "ANNULER"}


def test_stop_is_honoured_until_start(
    sms_context: AppContext, web: TestClient, standin: RunningStandIn
) -> None:
    start = tuesday(10)
    booked_at = start - dt.timedelta(days=5)
    book(sms_context, start, now=booked_at)
    assert _text(web, "STOP") is None
    run(sms_context, booked_at)
    assert run(sms_context, start - 48 * HOUR).sent == 0
    assert standin.state.creates == 0
    assert [(r["kind"], r["state"], r["error_code"]) for r in rows(sms_context)] == [
        ("booked", "skipped", "opted-out"), ("reminder", "skipped", "opted-out")]
    assert _text(web, "Start") is None
    assert run(sms_context, start - 2 * HOUR).sent == 1
    assert len(standin.state.to(MOBILE)) == 1


def test_any_other_text_becomes_an_inbox_message_about_the_last_appointment(
    sms_context: AppContext, web: TestClient
) -> None:
    now = dt.datetime.now(dt.UTC)
    made = book(sms_context, tuesday(10), now=now)
    run(sms_context, now)
    words = "Bonjour, je serai en retard de 10 minutes mardi"
    assert _text(web, words) is None
    with sms_context.db.session() as session:
        [message] = transcripts.list_messages(session, kind=transcripts.MessageKind.SMS)
        assert message.appointment_id == made.id and message.last_name == "Dupont"
        assert message.summary.startswith("SMS reçu — DUPONT Marie")
        assert f"« {words} »" in message.summary
        assert agenda.get_appointment(session, sms_context.practice, made.id).status == "booked"


@pytest.mark.parametrize(("body", "number"), [
    ("Bonsoir, mon mari a très mal dans la poitrine depuis une heure et il transpire", "15"),
    ("ma fille a avalé toute une plaquette de doliprane ce soir", "15"),
    ("je n'en peux plus, j'ai envie d'en finir", "3114"),
])
def test_a_text_describing_an_emergency_gets_the_numbers_and_reaches_the_inbox_urgent(
    sms_context: AppContext, web: TestClient, body: str, number: str
) -> None:
    answer = _text(web, body)
    assert answer is not None and number in answer and "transmis au secrétariat" in answer
    with sms_context.db.session() as session:
        [message] = transcripts.list_messages(session, kind=transcripts.MessageKind.SMS)
        assert message.urgency == transcripts.Urgency.URGENT.value
        assert f"« {body} »" in message.summary


def test_a_routine_text_that_names_a_symptom_is_not_answered_as_an_emergency(
    sms_context: AppContext, web: TestClient
) -> None:
    assert _text(web, "Bonjour, j'aurais besoin d'un rendez-vous pour mon mal de dos") is None
    with sms_context.db.session() as session:
        [message] = transcripts.list_messages(session, kind=transcripts.MessageKind.SMS)
        assert message.urgency != transcripts.Urgency.URGENT.value


def test_a_forged_text_is_refused(web: TestClient) -> None:
    params = {"MessageSid": "SM" + "b" * 32, "From": MOBILE, "Body": "ANNULER"}
    forged = sign(f"{PUBLIC_BASE}/twilio/sms", params, token="f" * 32)
    assert web.post("/twilio/sms", data=params,
                    headers={"X-Twilio-Signature": forged}).status_code == 403


@pytest.mark.parametrize(("body", "asked"), [
    ("Bonjour, je serai en retard de 10 minutes mardi", 1),
    ("ma fille a avalé toute une plaquette de doliprane ce soir", 1),
    ("STOP", 0),
])
def test_each_text_is_classified_once_and_only_a_non_keyword_reaches_the_net(
    sms_context: AppContext, monkeypatch: pytest.MonkeyPatch, body: str, asked: int
) -> None:
    # One way through the code: the keyword verdict is taken once and handed down, so the
    # emergency net is asked on that verdict, not on a second reading of the same words.
    verdicts: list[str] = []

    def counted(text: str) -> notifications.ReplyAction:
        verdicts.append(text)
        return notifications.classify_reply(text)

    monkeypatch.setattr("notifications.replies.classify", counted)
    seen: list[str] = []

    def net(text: str) -> str | None:
        seen.append(text)
        return "medical" if "doliprane" in text else None

    with sms_context.db.session() as session:
        handled = notifications.handle_reply(
            session, sms_context.practice, message_sid=f"SM{uuid.uuid4().hex}",
            from_number=MOBILE, body=body, emergency=net)
    assert verdicts == [body] and seen == [body] * asked
    assert (handled.action is notifications.ReplyAction.EMERGENCY) == ("doliprane" in body)
