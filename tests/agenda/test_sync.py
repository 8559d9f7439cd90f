"""The configuration seeds the agenda: idempotent, retires what disappears, keeps feed tokens."""

from __future__ import annotations

import copy
import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import agenda
from agenda.models import Closure, OpeningHours, Practitioner
from core import parse_practice
from tests.agenda.support import PRACTICE


def test_sync_is_idempotent_and_keeps_feed_tokens(session: Session) -> None:
    tokens = dict(session.execute(select(Practitioner.id, Practitioner.feed_token)).all())
    report = agenda.sync_from_config(session, parse_practice(PRACTICE))
    assert (report.practitioners_added, report.types_added, report.closures) == (0, 0, 0)
    assert dict(session.execute(select(Practitioner.id, Practitioner.feed_token)).all()) == tokens
    hours = session.scalars(
        select(OpeningHours).where(OpeningHours.practitioner_id == "beta")
    ).all()
    assert sorted((h.weekday, h.start, h.end) for h in hours) == [
        (0, dt.time(9), dt.time(12)),
        (2, dt.time(9), dt.time(12)),
        (6, dt.time(1), dt.time(4)),
    ]


def test_sync_follows_the_configuration(session: Session) -> None:
    data = copy.deepcopy(PRACTICE)
    data["practitioners"] = [p for p in data["practitioners"] if p["id"] == "alpha"]
    data["practitioners"][0]["hours"] = {"monday": [{"start": "10:00", "end": "11:00"}]}
    data["appointment_types"] = [
        {**t, "practitioners": ["alpha"]}
        for t in data["appointment_types"]
        if t["id"] in ("consultation", "longue")
    ]
    data["closures"] = [{"start": "2027-08-01", "end": "2027-08-15", "practitioners": ["alpha"]}]
    report = agenda.sync_from_config(session, parse_practice(data))
    assert (report.practitioners_retired, report.types_retired, report.closures) == (1, 2, 1)
    assert [p.id for p in agenda.list_practitioners(session)] == ["alpha"]
    assert [t.id for t in agenda.list_appointment_types(session)] == ["consultation", "longue"]
    consultation = agenda.list_appointment_types(session)[0]
    assert consultation.practitioner_ids == ("alpha",)
    hours = session.scalars(select(OpeningHours)).all()
    assert [(h.practitioner_id, h.weekday, h.start) for h in hours] == [("alpha", 0, dt.time(10))]
    closures = session.scalars(select(Closure)).all()
    assert [(c.start, c.practitioner_id) for c in closures] == [(dt.date(2027, 8, 1), "alpha")]
    # Retired, not deleted: old appointments still name them.
    assert session.get(Practitioner, "beta") is not None


def test_types_bookable_by_phone(session: Session) -> None:
    phone = [t.id for t in agenda.list_appointment_types(session, for_phone=True)]
    assert phone == ["bilan", "consultation", "longue"]


def test_settings_saved_later_update_the_agenda(agenda_client: TestClient) -> None:
    context = agenda_client.app.state.context  # type: ignore[attr-defined]
    store = context.practice_store
    store.current()
    data = copy.deepcopy(PRACTICE)
    data["closures"] = [{"start": "2027-03-01", "end": "2027-03-05", "reason": "congés"}]
    store.save(parse_practice(data), actor="test", expected_version=store.version)
    with context.db.sessions() as session:
        closures = session.scalars(select(Closure)).all()
        assert [(c.start, c.end, c.practitioner_id) for c in closures] == [
            (dt.date(2027, 3, 1), dt.date(2027, 3, 5), None)
        ]
