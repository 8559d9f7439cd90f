"""Tables owned by the transcripts component: calls and their records."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from standardiste.db import component_metadata


class TranscriptsBase(DeclarativeBase):
    """Declarative base of the transcripts tables."""

    metadata = component_metadata()


class CallStatus(StrEnum):
    """Where a call is in its life."""

    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    FAILED = "failed"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Call(TranscriptsBase):
    """One phone call (or one chat conversation), keyed by Twilio's CallSid."""

    __tablename__ = "calls"

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
    summary: Mapped[str | None] = mapped_column(Text)
