"""Login rate limit: failed logins counted per username and per client address, in the DB.

Counting in the database (not in memory) makes the limit hold across gateway instances. The
check runs before the password is verified, so a locked-out guesser costs no Argon2 work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from staff.models import LoginFailure, utcnow


@dataclass(frozen=True)
class LoginLimits:
    """How many failures a window allows (per username, per client address)."""

    window: dt.timedelta = dt.timedelta(minutes=15)
    per_username: int = 5
    per_address: int = 20


DEFAULT_LIMITS = LoginLimits()


def _key(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()


def _count(session: Session, scope: str, value: str, since: dt.datetime) -> int:
    query = select(func.count(LoginFailure.id)).where(
        LoginFailure.scope == scope, LoginFailure.key == _key(value), LoginFailure.at > since
    )
    return int(session.scalar(query) or 0)


def is_limited(
    session: Session,
    *,
    username: str,
    address: str,
    limits: LoginLimits = DEFAULT_LIMITS,
    now: dt.datetime | None = None,
) -> bool:
    """True when this username or this address failed too often within the window."""
    since = (now or utcnow()) - limits.window
    return (
        _count(session, "user", username, since) >= limits.per_username
        or _count(session, "addr", address, since) >= limits.per_address
    )


def record_failure(
    session: Session, *, username: str, address: str, now: dt.datetime | None = None
) -> None:
    """Count one refused login against the username and the address."""
    now = now or utcnow()
    session.add(LoginFailure(scope="user", key=_key(username), at=now))
    session.add(LoginFailure(scope="addr", key=_key(address), at=now))
    session.flush()


def clear_failures(session: Session, *, username: str) -> None:
    """A successful login forgives the username's earlier mistakes (not the address's)."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.scope == "user", LoginFailure.key == _key(username))
    )


def purge_failures(
    session: Session, limits: LoginLimits = DEFAULT_LIMITS, now: dt.datetime | None = None
) -> int:
    """Forget failures older than the window; returns how many."""
    cutoff = (now or utcnow()) - limits.window
    result = session.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
