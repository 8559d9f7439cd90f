"""Tables owned by the transcripts component: calls, their turns, and the inbox."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core import EncryptedJSON, EncryptedText, component_metadata


class TranscriptsBase(DeclarativeBase):
    """Declarative base of the transcripts tables."""

    metadata = component_metadata()


class CallStatus(StrEnum):
    """Where a call is in its life."""

    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    FAILED = "failed"


class Speaker(StrEnum):
    """Who said a turn."""

    CALLER = "caller"
    ASSISTANT = "assistant"


class MessageKind(StrEnum):
    """What an inbox message asks of the practice (French labels in `labels_fr`)."""

    RENEWAL = "renewal"
    CERTIFICATE = "certificate"
    SICK_LEAVE = "sick_leave"
    MESSAGE = "message"
    CALLBACK = "callback"
    EMERGENCY = "emergency"
    FAILED_BOOKING = "failed_booking"
    SMS = "sms"
    """A patient's text the assistant could not act on (not ANNULER, STOP or START)."""
    APPOINTMENT_HANDLED = "appointment_handled"
    """A booking set aside in a call (a `FAILED_BOOKING` while it waited) that the assistant
    completed later in the same call: kept, closed, so the desk that saw it open knows it is done
    and neither the inbox nor the statistics count a booking that did not fail."""


class Urgency(StrEnum):
    """How soon the secretariat should look at a message."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"

    @property
    def rank(self) -> int:
        """0 for the most urgent; the inbox sorts on it."""
        return _URGENCY_RANK[self]


_URGENCY_RANK = {Urgency.URGENT: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2}


class MessageStatus(StrEnum):
    """Where the secretariat is with a message."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Call(TranscriptsBase):
    """One phone call (or one chat conversation), keyed by Twilio's CallSid."""

    __tablename__ = "calls"
    __table_args__ = (
        # Covering: the statistics count a year of calls from these indexes alone, by time and
        # by outcome (grouped in index order, without a sort).
        Index(
            "ix_calls_started_at_figures",
            "started_at", "channel", "answered_by", "outcome", "ended_at",
        ),
        Index(
            "ix_calls_channel_outcomes",
            "channel", "answered_by", "outcome", "started_at", "ended_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="voice")
    caller: Mapped[str | None] = mapped_column(String(32))
    called: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CallStatus.RINGING.value)
    answered_by: Mapped[str] = mapped_column(String(24), default="assistant")
    """``assistant`` inside answering hours, else the outside-hours action."""
    outcome: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    # Free text is encrypted at rest (core.encrypted); identity fields used for look-ups are not.
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    simulated_start: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """A chat try-out may pretend to start at another moment (checking opening hours, tests):
    the conversation's clock is this moment plus the time elapsed since `started_at`."""
    instance: Mapped[str | None] = mapped_column(String(64))
    """Which gateway instance holds the call's WebSocket (a host/pid name), for the sweeper."""
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    """Refreshed by the instance holding the call; a stale heartbeat on an unfinished call means
    that instance died, and another instance closes the call."""
    recording_consent: Mapped[bool | None] = mapped_column(Boolean)
    """The caller's answer to the recording question; None when it was not asked."""

    turns: Mapped[list[Turn]] = relationship(
        back_populates="call", order_by="Turn.seq", cascade="all, delete-orphan"
    )


class Turn(TranscriptsBase):
    """One utterance of a call: the caller's recognised text or one assistant reply."""

    __tablename__ = "call_turns"
    # The review queue finds calls by the replies they heard, from this index alone.
    __table_args__ = (Index("ix_call_turns_key_call_id", "key", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(EncryptedText)
    key: Mapped[str | None] = mapped_column(String(64))
    """The response key of an assistant turn (``utter_…``); ``silence``/``digits`` for the
    caller's non-speech turns."""
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    call: Mapped[Call] = relationship(back_populates="turns")


class InboxMessage(TranscriptsBase):
    """What the assistant hands to the secretariat: a request, a message, an alert."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    urgency: Mapped[str] = mapped_column(String(16), default=Urgency.NORMAL.value)
    urgency_rank: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.NEW.value)
    last_name: Mapped[str | None] = mapped_column(String(120))
    first_name: Mapped[str | None] = mapped_column(String(120))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    callback_number: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(EncryptedText)
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    """What the dialogue understood (medicines, certificate kind, topic, the caller's words)."""
    appointment_id: Mapped[int | None] = mapped_column(Integer)
    assigned_to: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_utcnow, index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_utcnow, onupdate=_utcnow
    )
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When it was marked handled (« traité »); None while open. ``updated_at`` moves with any
    later note, so the time a message took to handle is measured from this."""

    call: Mapped[Call | None] = relationship()


class CallReview(TranscriptsBase):
    """A call that ended badly, looked at by someone at the practice (the review queue).

    Goes with its call: the retention purge that deletes the call deletes the review too.
    """

    __tablename__ = "call_reviews"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    reviewed_by: Mapped[str] = mapped_column(String(120))
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
