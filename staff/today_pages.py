"""« Aujourd'hui »: what the assistant booked (by phone or in the website's chat), the day's
appointments and their texts (confirmation, reminders), and the new patients to check.

Patients created by phone carry what speech recognition heard (by the website's chat, what was
typed); the secretary confirms them, or corrects the name, date of birth or number, through the
agenda's `verify_patient`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import RedirectResponse

import agenda
import notifications
from core import ContextDep, RowId
from staff import labels_fr
from staff.auth_web import PageSession
from staff.security import with_security_headers
from staff.templating import templates

router = APIRouter(include_in_schema=False)


_BY_ASSISTANT = {agenda.Source.PHONE.value, agenda.Source.WEB.value}


def _assistant_bookings(context: ContextDep, day: dt.date) -> list[agenda.AppointmentInfo]:
    """Appointments the assistant booked on ``day`` (whenever they take place)."""
    practice = context.practice
    tz = practice.tz
    start = dt.datetime.combine(day, dt.time(0), tz)
    horizon = dt.timedelta(days=practice.booking.horizon_days + 1)
    with context.db.session() as session:
        found = agenda.appointments_between(session, practice, start, start + horizon)
    return [
        a
        for a in found
        if a.source in _BY_ASSISTANT
        and (a.created_at if a.created_at.tzinfo else a.created_at.replace(tzinfo=dt.UTC))
        .astimezone(tz)
        .date()
        == day
    ]


def _day_texts(context: ContextDep, day: dt.date) -> list[dict[str, object]]:
    """The day's appointments with where their texts are (sent, planned, not sent and why)."""
    practice = context.practice
    with context.db.session() as session:
        found = agenda.appointments_on(session, practice, day)
        texts = notifications.appointment_texts(session, practice, found)
    return [{"appointment": a, "texts": texts[a.id]} for a in found]


@router.get("/today")
def today_page(
    request: Request,
    context: ContextDep,
    current: PageSession,
    day: Annotated[dt.date | None, Query()] = None,
    notice: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """The day's bookings by the assistant and the patients still to verify."""
    today = dt.datetime.now(context.practice.tz).date()
    shown = day or today
    with context.db.session() as session:
        to_verify = agenda.patients_to_verify(session)
    return templates.render(
        request,
        "today.html",
        {
            "day": shown,
            "is_today": shown == today,
            "previous_day": shown - dt.timedelta(days=1),
            "next_day": shown + dt.timedelta(days=1),
            "bookings": _assistant_bookings(context, shown),
            "booking_sources": labels_fr.BOOKING_SOURCE_LABELS,
            "day_texts": _day_texts(context, shown),
            "sms": context.practice.sms,
            "patients": to_verify,
            "appointment_statuses": labels_fr.APPOINTMENT_STATUS_LABELS,
            "notice": {
                "verified": labels_fr.PATIENT_VERIFIED,
                "missing": labels_fr.PATIENT_MISSING,
                "bad-date": labels_fr.PATIENT_BAD_BIRTH_DATE,
                "bad-phone": labels_fr.PATIENT_BAD_PHONE,
            }.get(notice),
        },
    )


@router.post("/patients/{patient_id}/verify")
def verify_patient(
    patient_id: RowId,
    context: ContextDep,
    current: PageSession,
    last_name: Annotated[str, Form(max_length=120)] = "",
    first_name: Annotated[str, Form(max_length=120)] = "",
    birth_date: Annotated[str, Form(max_length=10)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Confirm a patient created by phone, with the corrections typed in."""
    outcome = "verified"
    try:
        born = dt.date.fromisoformat(birth_date) if birth_date else None
    except ValueError:
        born = None
        outcome = "bad-date"
    if phone and agenda.normalise_phone(phone) is None:
        outcome = "bad-phone"
    if outcome == "verified":
        try:
            with context.db.session() as session:
                agenda.verify_patient(
                    session,
                    patient_id,
                    last_name=last_name or None,
                    first_name=first_name or None,
                    birth_date=born,
                    phone=phone or None,
                )
        except agenda.UnknownReferenceError:
            outcome = "missing"
    return with_security_headers(
        RedirectResponse(f"/today?notice={outcome}#verify", status.HTTP_303_SEE_OTHER)
    )
