"""Exactly once: 50 simultaneous attempts on one slot give one appointment, whatever runs them.

Each attempt has its own engine and connection; a barrier releases them together. Threads share
a process, processes share nothing but the database: the guarantee is the database's.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import delete, func, select

import agenda
from agenda.models import (
    Appointment,
    AppointmentType,
    Closure,
    Hold,
    Occupancy,
    OpeningHours,
    Patient,
    Practitioner,
    appointment_type_practitioners,
)
from core import Database, PracticeConfig, Settings
from tests.agenda.support import NOW, local, make_practice, patient

ATTEMPTS = 50
MONDAY = dt.date(2027, 3, 1)
_BOOKED, _TAKEN = 0, 3


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, agenda_settings: Settings) -> Iterator[str]:
    """A migrated database holding only the test practice and one patient."""
    if request.param == "sqlite":
        url = agenda_settings.database_url
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    with db.sessions() as session:
        for table in (Occupancy, Hold, Appointment, Patient, Closure, OpeningHours):
            session.execute(delete(table))
        session.execute(delete(appointment_type_practitioners))
        session.execute(delete(AppointmentType))
        session.execute(delete(Practitioner))
        session.commit()
        agenda.sync_from_config(session, make_practice())
        patient(session)
    db.dispose()
    yield url


def _patient_id(url: str) -> int:
    db = Database(url)
    with db.sessions() as session:
        value = session.scalar(select(Patient.id))
    db.dispose()
    assert value is not None
    return value


def attempt_booking(
    url: str,
    practice: PracticeConfig,
    start: dt.datetime,
    patient_id: int,
    wait: Callable[[], Any],
) -> str:
    """One caller: own engine, wait for the others, try to book."""
    db = Database(url)
    try:
        with db.sessions() as session:
            db.ping()
            wait()
            try:
                agenda.book_appointment(
                    session,
                    practice,
                    practitioner_id="alpha",
                    appointment_type_id="consultation",
                    start=start,
                    patient_id=patient_id,
                    now=NOW,
                )
            except agenda.SlotUnavailableError:
                return "taken"
            return "booked"
    finally:
        db.dispose()


def attempt_hold(url: str, practice: PracticeConfig, index: int, wait: Callable[[], Any]) -> str:
    """One caller trying to hold Monday 14:00."""
    db = Database(url)
    try:
        with db.sessions() as session:
            db.ping()
            wait()
            try:
                agenda.hold_slot(
                    session,
                    practice,
                    practitioner_id="alpha",
                    appointment_type_id="consultation",
                    start=local(MONDAY, 14),
                    conversation_id=f"CA-{index}",
                    now=NOW,
                )
            except agenda.SlotUnavailableError:
                return "taken"
            return "booked"
    finally:
        db.dispose()


def _in_child(
    url: str, practice: PracticeConfig, start: dt.datetime, patient_id: int, barrier: Any
) -> None:
    outcome = attempt_booking(url, practice, start, patient_id, lambda: barrier.wait(60))
    sys.exit(_BOOKED if outcome == "booked" else _TAKEN)


def booked_rows(url: str) -> list[tuple[dt.datetime, str]]:
    db = Database(url)
    with db.sessions() as session:
        rows = [
            (start, status)
            for start, status in session.execute(select(Appointment.start, Appointment.status))
        ]
        granules = session.scalar(select(func.count()).select_from(Occupancy))
    db.dispose()
    assert granules == 4 * len(rows)
    return rows


def test_threads_booking_one_slot_give_one_appointment(
    database_url: str, practice: PracticeConfig
) -> None:
    patient_id = _patient_id(database_url)
    barrier = threading.Barrier(ATTEMPTS)
    start = local(MONDAY, 9)
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        futures = [
            pool.submit(
                attempt_booking, database_url, practice, start, patient_id, lambda: barrier.wait(60)
            )
            for _ in range(ATTEMPTS)
        ]
        outcomes = Counter(f.result() for f in futures)
    assert outcomes == {"booked": 1, "taken": ATTEMPTS - 1}
    assert booked_rows(database_url) == [(start, "booked")]


def test_threads_booking_overlapping_times_give_one_appointment(
    database_url: str, practice: PracticeConfig
) -> None:
    patient_id = _patient_id(database_url)
    barrier = threading.Barrier(ATTEMPTS)
    # 20-minute appointments starting 09:00, 09:05, 09:10 or 09:15 all overlap one another.
    starts = [local(MONDAY, 9, 5 * (i % 4)) for i in range(ATTEMPTS)]
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        futures = [
            pool.submit(
                attempt_booking, database_url, practice, s, patient_id, lambda: barrier.wait(60)
            )
            for s in starts
        ]
        outcomes = Counter(f.result() for f in futures)
    assert outcomes == {"booked": 1, "taken": ATTEMPTS - 1}
    assert len(booked_rows(database_url)) == 1


def test_threads_holding_one_slot_give_one_hold(
    database_url: str, practice: PracticeConfig
) -> None:
    barrier = threading.Barrier(ATTEMPTS)
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        futures = [
            pool.submit(attempt_hold, database_url, practice, i, lambda: barrier.wait(60))
            for i in range(ATTEMPTS)
        ]
        outcomes = Counter(f.result() for f in futures)
    assert outcomes == {"booked": 1, "taken": ATTEMPTS - 1}
    db = Database(database_url)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Hold)) == 1
    db.dispose()


def test_processes_booking_one_slot_give_one_appointment(
    database_url: str, practice: PracticeConfig
) -> None:
    patient_id = _patient_id(database_url)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(ATTEMPTS)
    start = local(MONDAY, 10)
    children = [
        context.Process(target=_in_child, args=(database_url, practice, start, patient_id, barrier))
        for _ in range(ATTEMPTS)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    codes = Counter(child.exitcode for child in children)
    assert codes == {_BOOKED: 1, _TAKEN: ATTEMPTS - 1}
    assert booked_rows(database_url) == [(start, "booked")]
