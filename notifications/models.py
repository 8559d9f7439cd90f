"""Tables owned by the notifications component: texts to send and sent, opt-outs, replies.

One `Notification` row per text the practice means to send, created once (``dedupe_key`` is
unique): a booking's confirmation, each reminder, a « prêt » message. Its ``state`` says where it
is; instances claim due rows in the database before sending (`notifications.dispatch`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import UTCDateTime, component_metadata


class NotificationsBase(DeclarativeBase):
    """Declarative base of the notifications tables."""

    metadata = component_metadata()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class NotificationKind(StrEnum):
    """What a text is about (its French wording in ``texts.fr.yaml``)."""

    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"
    REMINDER = "reminder"
    READY = "ready"
    """A prescription or certificate ready to collect, sent from the inbox."""


class State(StrEnum):
    """Where a text is."""

    PENDING = "pending"
    """Waiting for its due time (or for a retry after a passing Twilio error)."""
    SENDING = "sending"
    """Claimed by one instance until ``lease_until``; past it, in doubt (`dispatch`)."""
    SENT = "sent"
    """Twilio accepted it (``twilio_sid``); ``delivery_status`` follows Twilio's callbacks."""
    FAILED = "failed"
    """Twilio refused it for good, or retrying stopped; ``error_code`` says why."""
    SKIPPED = "skipped"
    """Not sent on purpose: opted out, landline, appointment gone… (``error_code``)."""


class Notification(NotificationsBase):
    """One text to a patient."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    """What makes it one text: ``booked:<appointment>``, ``reminder:<appointment>:<hours>``…"""
    appointment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    inbox_message_id: Mapped[int | None] = mapped_column(Integer)
    lead_hours: Mapped[int | None] = mapped_column(Integer)
    """For a reminder: how many hours before the appointment."""
    document: Mapped[str | None] = mapped_column(String(16))
    """For a « prêt » text: ``prescription``, ``certificate`` or ``document``."""
    to_number: Mapped[str | None] = mapped_column(String(20), index=True)
    body: Mapped[str | None] = mapped_column(Text)
    """The words sent, written before the first send (what an in-doubt check looks for)."""
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=State.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    """The current attempt's id; every write after the send checks it is still ours."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verify_first: Mapped[bool] = mapped_column(Boolean, default=False)
    """A previous attempt may have reached Twilio: look there before sending again."""
    twilio_sid: Mapped[str | None] = mapped_column(String(40), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OptOut(NotificationsBase):
    """A number that answered STOP (or that Twilio reports unsubscribed); START removes it.

    Kept beyond the texts' retention: forgetting it would text someone who said no.
    """

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    """``stop`` (a reply), ``twilio`` (error 21610)."""
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Reply(NotificationsBase):
    """A text received from a patient, and what was done with it (once per Twilio SID)."""

    __tablename__ = "sms_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(40), unique=True)
    from_number: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(16))
    """``cancelled``, ``nothing-to-cancel``, ``stop``, ``start``, ``inbox``."""
    appointment_id: Mapped[int | None] = mapped_column(Integer)
    inbox_message_id: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow, index=True)
