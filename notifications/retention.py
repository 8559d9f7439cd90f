"""Retention of texts: rows past ``retention.sms_days`` go (opt-outs stay while they apply)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from core import Retention
from notifications.models import Notification, Reply, State

_SETTLED = (State.SENT.value, State.FAILED.value, State.SKIPPED.value)


def purge_texts(session: Session, retention: Retention, now: dt.datetime | None = None) -> int:
    """Delete settled texts and received texts older than the period; returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=retention.sms_days)
    texts = session.execute(
        delete(Notification).where(
            Notification.created_at < cutoff, Notification.state.in_(_SETTLED)
        )
    )
    replies = session.execute(delete(Reply).where(Reply.received_at < cutoff))
    return int(getattr(texts, "rowcount", 0) or 0) + int(getattr(replies, "rowcount", 0) or 0)
