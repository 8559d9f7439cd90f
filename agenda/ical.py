"""A practitioner's appointments as an iCalendar feed, for any calendar application.

The feed URL carries a secret per practitioner (`Practitioner.feed_token`, random, kept in the
database so that every gateway behind a load balancer accepts it, and rotatable on its own).
UIDs are derived from the appointment id, so an event keeps its identity from one fetch to the
next; a cancelled appointment stays in the feed with ``STATUS:CANCELLED`` and a higher
``SEQUENCE`` so that subscribed calendars update it rather than keep a stale copy.
"""

from __future__ import annotations

import datetime as dt
import hmac

import icalendar
from sqlalchemy.orm import Session

from agenda import labels
from agenda.listing import appointments_between
from agenda.models import AppointmentStatus, Practitioner
from core import PracticeConfig, __version__

# How far back and ahead the feed reaches.
PAST_DAYS = 90
FUTURE_DAYS = 400
_CANCELLED = {AppointmentStatus.CANCELLED.value, AppointmentStatus.ENTERED_IN_ERROR.value}


def feed_practitioner(session: Session, practitioner_id: str, token: str) -> Practitioner | None:
    """The practitioner whose feed ``token`` opens, or None (unknown and wrong look the same)."""
    row = session.get(Practitioner, practitioner_id)
    if row is None or not row.active:
        return None
    if not hmac.compare_digest(row.feed_token.encode(), token.encode()):
        return None
    return row


def event_uid(appointment_id: int, domain: str) -> str:
    """The stable iCalendar UID of an appointment."""
    return f"appointment-{appointment_id}@{domain}"


def build_feed(
    session: Session,
    practice: PracticeConfig,
    practitioner: Practitioner,
    *,
    domain: str,
    now: dt.datetime,
) -> bytes:
    """The practitioner's appointments from ``PAST_DAYS`` ago to ``FUTURE_DAYS`` ahead.

    Args:
        session: a database session.
        practice: the practice configuration.
        practitioner: whose feed.
        domain: the right-hand side of the UIDs (the gateway's public host name).
        now: the current instant.

    Returns:
        The ``text/calendar`` body.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Standardiste//Agenda {__version__}//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", labels.FEED_NAME.format(practitioner=practitioner.name))
    calendar.add("x-wr-timezone", practice.practice.timezone)
    appointments = appointments_between(
        session,
        practice,
        now - dt.timedelta(days=PAST_DAYS),
        now + dt.timedelta(days=FUTURE_DAYS),
        practitioner_id=practitioner.id,
    )
    for item in appointments:
        cancelled = item.status in _CANCELLED
        template = labels.EVENT_SUMMARY_CANCELLED if cancelled else labels.EVENT_SUMMARY
        event = icalendar.Event()
        event.add("uid", event_uid(item.id, domain))
        event.add("dtstamp", item.updated_at)
        event.add("last-modified", item.updated_at)
        event.add("created", item.created_at)
        event.add("dtstart", item.start.astimezone(dt.UTC))
        event.add("dtend", item.end.astimezone(dt.UTC))
        event.add(
            "summary",
            template.format(
                label=item.appointment_type_label,
                initials=_initials(item.patient.last_name, item.patient.first_name),
            ),
        )
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", 1 if cancelled else 0)
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        event.add("location", practice.practice.address)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _initials(last_name: str, first_name: str) -> str:
    """``D. M.`` for DURAND Marie: enough for the practitioner, no name in someone's cloud."""
    parts = (part.strip() for part in (last_name, first_name))
    return " ".join(f"{part[0].upper()}." for part in parts if part)
