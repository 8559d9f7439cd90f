"""Two gateway instances dispatching over one PostgreSQL database never send a text twice:
rows are claimed with ``FOR UPDATE SKIP LOCKED`` and created once (``ON CONFLICT DO NOTHING``)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete

import agenda
import notifications
from core import AppContext
from standardiste.app import build_context
from tests.clock import practice
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import enable_sms, rows, sms_settings

pytestmark = pytest.mark.postgres
APPOINTMENTS = 40
# Far from every other test's rows in the shared database (and from today: the passes say when).
START = dt.datetime(2003, 6, 3, 7, 0, tzinfo=dt.UTC)


def _instance(tmp_path: Path, url: str, api: str, name: str) -> AppContext:
    settings = sms_settings(tmp_path / name, tmp_path / "unused.db", api, database_url=url,
                            standardiste_instance=name)
    return build_context(settings)


def test_two_instances_send_each_confirmation_and_reminder_once(
    tmp_path: Path, postgres_url: str, standin: RunningStandIn
) -> None:
    first = _instance(tmp_path, postgres_url, standin.url, "gw-a")
    second = _instance(tmp_path, postgres_url, standin.url, "gw-b")
    with first.db.session() as session:
        session.execute(delete(notifications.metadata.tables["notifications"]))
        # Changes other tests left in the shared database would be confirmed here too.
        agenda.take_appointment_changes(session)
        agenda.sync_from_config(session, practice())
    # Two practitioners, 20 minutes apart: every reminder is due at `START - 13 h`.
    enable_sms(first, reminder_hours=[24])
    booked_at = START - dt.timedelta(days=3)
    with first.db.session() as session:
        for n in range(APPOINTMENTS):
            patient = agenda.register_patient(
                session, last_name=f"Patient{n}", first_name="Test", birth_date=dt.date(1980, 1, 1),
                phone=f"+336{n:08d}", source=agenda.Source.STAFF)
            agenda.book_appointment(
                session, first.practice, practitioner_id=("martin", "durand")[n % 2],
                appointment_type_id="consultation",
                start=START + dt.timedelta(minutes=20 * (n // 2)), patient_id=patient.id,
                now=booked_at)
    reports: dict[str, list[notifications.PassReport]] = {"gw-a": [], "gw-b": []}
    ready = threading.Barrier(2)

    def dispatch(context: AppContext, moment: dt.datetime) -> None:
        messaging = notifications.messaging_for(context)
        ready.wait()
        for _ in range(3):
            report = notifications.run_pass(context, messaging, now=moment, batch=4)
            reports[context.settings.standardiste_instance].append(report)

    for moment in (booked_at, START - dt.timedelta(hours=13)):
        ready.reset()
        threads = [threading.Thread(target=dispatch, args=(c, moment)) for c in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    texts = Counter((t.to, t.body) for t in standin.state.texts)
    assert len(texts) == 2 * APPOINTMENTS and set(texts.values()) == {1}
    stored = rows(first)
    assert len(stored) == 2 * APPOINTMENTS
    assert {r["state"] for r in stored} == {"sent"}
    assert len({r["twilio_sid"] for r in stored}) == 2 * APPOINTMENTS
    sent = sum(r.sent for rs in reports.values() for r in rs)
    assert sent == 2 * APPOINTMENTS and standin.state.creates == 2 * APPOINTMENTS
    # Both instances scheduled the same reminders at once: each row was created by one.
    assert sum(r.scheduled for rs in reports.values() for r in rs) == 2 * APPOINTMENTS
    first.db.dispose()
    second.db.dispose()


def test_a_claim_takes_no_more_rows_than_asked_and_skips_locked_ones(
    tmp_path: Path, postgres_url: str, standin: RunningStandIn
) -> None:
    context = _instance(tmp_path, postgres_url, standin.url, "gw-c")
    table = notifications.metadata.tables["notifications"]
    with context.db.session() as session:
        session.execute(delete(table))
        session.execute(table.insert(), [
            {"kind": "ready", "dedupe_key": f"ready:{n}", "due_at": START, "state": "pending",
             "attempts": 0, "verify_first": False, "created_at": START, "updated_at": START}
            for n in range(10)
        ])
    with context.db.session() as first, context.db.session() as second:
        mine = notifications.claim(first, START, "gw-c", limit=3)
        # The first claim is not committed: its rows stay locked, the second takes others.
        theirs = notifications.claim(second, START, "gw-d", limit=3)
        assert len(mine) == len(theirs) == 3
        assert not {r.id for r in mine} & {r.id for r in theirs}
    context.db.dispose()
