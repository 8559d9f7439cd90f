"""The catalogue of texts keeps its promises: known fields only, how to cancel, GSM-7."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import agenda
import notifications
from core import AppContext
from notifications import TextsError, load_texts
from notifications.texts import TEXTS_FILE, gsm7, parse_texts, segments
from tests.clock import practice
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import OTHER_MOBILE, book, rows, run, tuesday


def _catalogue() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return document


def test_the_shipped_catalogue_is_valid_and_its_texts_fit_two_segments() -> None:
    catalogue = load_texts()
    values = catalogue.appointment_values(
        practice(), dt.datetime(2027, 3, 2, 8, 5, tzinfo=dt.UTC), "Docteure Françoise Lœwy")
    for key in ("booked", "moved", "reminder"):
        text = catalogue.render(key, **values)
        assert "mardi 02/03 à 9h05" in text and "Docteure Francoise Loewy" in text
        assert gsm7(text) == text and segments(text) <= 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["texts"].update(booked="RDV {date} pour {reason}. ANNULER"),
         "texts.booked: uses reason"),
        (lambda d: d["texts"].update(reminder="Rappel : RDV le {date} à {time}."),
         "texts.reminder: must say how to cancel"),
        (lambda d: d["texts"].update(ready="Votre ordonnance est prête"),
         "texts.ready: not GSM-7: ê"),
        (lambda d: d["texts"].pop("cancelled"), "texts.cancelled: missing"),
        (lambda d: d.update(weekdays=["lundi"]), "weekdays: expected the seven days"),
    ],
)
def test_a_wrong_catalogue_names_the_key_and_why(change: Any, problem: str) -> None:
    document = _catalogue()
    change(document)
    with pytest.raises(TextsError) as raised:
        parse_texts(document, "notifications/texts.fr.yaml")
    assert str(raised.value).startswith("notifications/texts.fr.yaml: ")
    assert problem in str(raised.value)


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "texts.fr.yaml"
    broken.write_text("texts: [", encoding="utf-8")
    with pytest.raises(TextsError, match=str(broken)):
        load_texts(broken)


def test_a_patient_who_refused_texts_gets_none(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = tuesday(10) - dt.timedelta(days=5)
    made = book(sms_context, tuesday(10), now=now)
    with sms_context.db.session() as session:
        agenda.refuse_sms(session, made.patient.id)
    run(sms_context, now)
    assert standin.state.creates == 0
    assert [(r["state"], r["error_code"]) for r in rows(sms_context)] == [("skipped", "refused")]


def test_retention_purges_settled_texts_and_keeps_waiting_ones_and_opt_outs(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = dt.datetime.now(dt.UTC)
    book(sms_context, tuesday(10), now=now)
    standin.state.fail_next(429, 20429)
    book(sms_context, tuesday(11), now=now, phone=OTHER_MOBILE, last_name="Bernard")
    run(sms_context, now)  # one sent, one waiting for its retry
    with sms_context.db.session() as session:
        notifications.handle_reply(session, sms_context.practice, message_sid="SM" + "d" * 32,
                                   from_number=OTHER_MOBILE, body="STOP",
                                   emergency=lambda _: None, now=now)
    later = now + dt.timedelta(days=sms_context.practice.retention.sms_days + 1)
    with sms_context.db.session() as session:
        assert notifications.purge_texts(session, sms_context.practice.retention, later) == 2
    assert [r["state"] for r in rows(sms_context)] == ["pending"]
    with sms_context.db.session() as session:
        opted = session.execute(notifications.metadata.tables["sms_opt_outs"].select()).all()
    assert [o.phone for o in opted] == [OTHER_MOBILE]
