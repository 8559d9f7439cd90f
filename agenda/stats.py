"""Counts over the appointments for a period, computed by the database: bookings and moves by
channel, cancellations by who cancelled, no-shows.

An appointment says who wrote it (`Source`: the assistant or the staff) and, for the assistant,
the conversation that booked it (``call_sid``). Whether that conversation was a phone call or a
web chat is the dialogue's naming (chat conversations have ids with a known prefix), passed in
by the caller, so the agenda needs no knowledge of channels.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from agenda.models import Appointment, AppointmentStatus, Source


class BookingChannel(StrEnum):
    """Where an appointment was made."""

    PHONE = "phone"
    WEB_CHAT = "web_chat"
    STAFF = "staff"


class Canceller(StrEnum):
    """Who cancelled an appointment."""

    ASSISTANT = "assistant"
    SMS = "sms"
    STAFF = "staff"


ASSISTANT_CANCELLER = "phone"
"""``cancelled_by`` of a cancellation made in a conversation with the assistant (``phone`` or
``phone:<call sid>``)."""
SMS_CANCELLER = "sms"
"""``cancelled_by`` of a cancellation answered by text message (``sms`` or ``sms:…``)."""


@dataclass(frozen=True)
class BookingStats:
    """The appointments of a period."""

    booked: dict[BookingChannel, int]
    """New appointments made in the period (moves not included), by channel."""
    moved: dict[BookingChannel, int]
    """Appointments moved in the period, by the channel of the move."""
    cancelled: dict[Canceller, int]
    """Appointments cancelled in the period (not those moved), by who cancelled."""
    no_shows: int
    """Appointments of the period where the patient did not come (recorded by the staff)."""


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("period bounds must be timezone-aware")
    return moment


def booking_stats(
    session: Session, start: dt.datetime, end: dt.datetime, *, web_chat_prefix: str
) -> BookingStats:
    """The appointments made, moved, cancelled and missed in ``[start, end)``.

    Args:
        web_chat_prefix: how the ids of web chat conversations start (the dialogue's).
    """
    start, end = _aware(start), _aware(end)
    channel = case(
        (Appointment.source == Source.STAFF.value, BookingChannel.STAFF.value),
        (Appointment.call_sid.startswith(web_chat_prefix, autoescape=True),
         BookingChannel.WEB_CHAT.value),
        else_=BookingChannel.PHONE.value,
    )
    made = (
        select(
            channel.label("channel"),
            Appointment.rescheduled_from_id.is_not(None).label("move"),
        )
        .where(Appointment.created_at >= start, Appointment.created_at < end)
        .subquery()
    )
    booked: Counter[BookingChannel] = Counter()
    moved: Counter[BookingChannel] = Counter()
    for where, is_move, n in session.execute(
        select(made.c.channel, made.c.move, func.count()).group_by(made.c.channel, made.c.move)
    ):
        (moved if is_move else booked)[BookingChannel(where)] += int(n)

    later = aliased(Appointment)
    # A move cancels the old appointment: that is a move, counted above, not a cancellation.
    replaced = select(later.rescheduled_from_id).where(later.rescheduled_from_id.is_not(None))
    who = case(
        (or_(Appointment.cancelled_by == ASSISTANT_CANCELLER,
             Appointment.cancelled_by.startswith(f"{ASSISTANT_CANCELLER}:")),
         Canceller.ASSISTANT.value),
        (Appointment.cancelled_by.startswith(SMS_CANCELLER), Canceller.SMS.value),
        else_=Canceller.STAFF.value,
    )
    gone = (
        select(who.label("who"))
        .where(
            Appointment.status == AppointmentStatus.CANCELLED.value,
            Appointment.cancelled_at >= start,
            Appointment.cancelled_at < end,
            Appointment.id.not_in(replaced),
        )
        .subquery()
    )
    cancelled = {
        Canceller(by): int(n)
        for by, n in session.execute(select(gone.c.who, func.count()).group_by(gone.c.who))
    }
    no_shows = session.scalar(
        select(func.count()).where(
            Appointment.status == AppointmentStatus.NOSHOW.value,
            Appointment.start >= start,
            Appointment.start < end,
        )
    )
    return BookingStats(
        booked=dict(booked), moved=dict(moved), cancelled=cancelled, no_shows=int(no_shows or 0)
    )
