"""Helpers of the texts' tests: settings, bookings, passes at chosen moments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

import agenda
import notifications
from core import AppContext, Settings, Sms
from tests.clock import practice, quiet_monday
from tests.doubles.twilio_rest import ACCOUNT_SID
from tests.support import make_settings

MOBILE = "+33612345678"
OTHER_MOBILE = "+33698765432"
LANDLINE = "+33478112233"
SMS_NUMBER = "+33757000000"
"""The practice's Twilio number for texts."""


def sms_settings(tmp_path: Path, database: Path, api_url: str, **overrides: Any) -> Settings:
    """Settings with Twilio Messaging configured against ``api_url``."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{database}",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_messaging_from": SMS_NUMBER,
        "twilio_api_base_url": api_url,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


def enable_sms(context: AppContext, **changes: Any) -> None:
    """Store texts settings: all on (reminders 48 h and 2 h before) unless ``changes`` say."""
    store = context.practice_store
    current = store.current()
    sms = Sms(**{"confirmations": True, "reminders": True, "ready": True, **changes})
    store.save(current.model_copy(update={"sms": sms}), actor="tests",
               expected_version=store.version)


def tuesday(hour: int = 10, minute: int = 0, weeks: int = 0) -> dt.datetime:
    """A Tuesday of the quiet week (computed from today), local time, aware."""
    day = quiet_monday() + dt.timedelta(days=1, weeks=weeks)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=practice().tz)


def book(
    context: AppContext,
    start: dt.datetime,
    *,
    now: dt.datetime,
    phone: str | None = MOBILE,
    last_name: str = "Dupont",
) -> agenda.AppointmentInfo:
    """A consultation with Dr Martin at ``start``, booked at ``now`` by the staff."""
    with context.db.session() as session:
        patient = agenda.register_patient(
            session, last_name=last_name, first_name="Marie", birth_date=dt.date(1954, 3, 12),
            phone=phone, source=agenda.Source.STAFF,
        )
        return agenda.book_appointment(
            session, context.practice, practitioner_id="martin",
            appointment_type_id="consultation", start=start, patient_id=patient.id, now=now,
        )


def run(context: AppContext, now: dt.datetime) -> notifications.PassReport:
    """One dispatcher pass at ``now`` with the real Twilio client."""
    return notifications.run_pass(context, notifications.messaging_for(context), now=now)


def rows(context: AppContext) -> list[dict[str, Any]]:
    """Every texts row, as plain values, in creation order."""
    table = notifications.metadata.tables["notifications"]
    with context.db.session() as session:
        return [dict(r._mapping) for r in session.execute(select(table).order_by(table.c.id))]
