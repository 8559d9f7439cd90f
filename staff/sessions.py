"""Server-side sessions: a random token in the cookie, its SHA-256 and the CSRF token in the DB.

Idle sessions end after `IDLE_TIMEOUT`; every session ends `MAX_AGE` after login, whatever its
activity, so a workstation left logged in overnight asks for the password again. Only a
person's actions count as activity: background requests (the inbox's polling, marked
``X-Background``) are checked but do not push the idle end back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from staff.accounts import StaffUser
from staff.models import StaffSession, utcnow

IDLE_TIMEOUT = dt.timedelta(hours=2)
MAX_AGE = dt.timedelta(hours=12)
# Writing "last seen" on every request would make each page view a write; once a minute is
# precise enough for a two-hour idle timeout.
_TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class OpenSession:
    """A valid session: who, and the CSRF token their forms must carry."""

    user: StaffUser
    csrf_token: str
    token: str
    """The cookie value (only known right after login or when read from the request)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes for UTC columns; make them aware again."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def open_session(session: Session, user: StaffUser, now: dt.datetime | None = None) -> OpenSession:
    """Start a session for a user who just proved their password; returns the cookie token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_digest(token),
            account_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + MAX_AGE,
        )
    )
    session.flush()
    return OpenSession(user=user, csrf_token=csrf, token=token)


def find_session(
    session: Session, token: str, now: dt.datetime | None = None, *, activity: bool = True
) -> OpenSession | None:
    """The session a cookie token names, if it is still valid (and its account active).

    ``activity`` False: a background request, which leaves the idle clock running.
    """
    if not token or len(token) > 256:
        return None
    now = now or utcnow()
    row = session.scalar(
        select(StaffSession)
        .options(joinedload(StaffSession.account))
        .where(StaffSession.token_hash == _digest(token))
    )
    if row is None:
        return None
    if (
        not row.account.active
        or aware(row.expires_at) <= now
        or aware(row.last_seen_at) + IDLE_TIMEOUT <= now
    ):
        session.delete(row)
        return None
    if activity and now - aware(row.last_seen_at) >= _TOUCH_EVERY:
        row.last_seen_at = now
    return OpenSession(user=StaffUser.of(row.account), csrf_token=row.csrf_token, token=token)


def close_session(session: Session, token: str) -> None:
    """Log out: the token stops working on every instance at once."""
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def purge_sessions(session: Session, now: dt.datetime | None = None) -> int:
    """Delete sessions past their absolute or idle end; returns how many."""
    now = now or utcnow()
    result = session.execute(
        delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.last_seen_at <= now - IDLE_TIMEOUT)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a submitted CSRF token."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
