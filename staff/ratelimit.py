"""Login throttling: growing delays per username *and* client address, counted in the database.

A lock-out per username would let anyone keep a secretary out by typing her name with a wrong
password five times; a delay per (username, address) pair slows the guesser at their address
only, while the owner, from her own workstation, logs in as usual. A second count per address
slows one address trying many usernames. Each failure past the free ones doubles the wait
(2 s, 4 s, 8 s… up to 15 minutes); failures are forgotten after a day, or for the pair as soon
as its password is right. Counting in the database makes the delays hold across gateway
instances; the check runs before the password is verified, so a waiting guesser costs no Argon2
work. Guessing from many addresses at once is not slowed per username (that would lock the owner
out again): the password policy and Argon2 stand against it (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from staff.models import LoginFailure, utcnow

PAIR = "pair"
ADDRESS = "addr"


@dataclass(frozen=True)
class LoginLimits:
    """How many failures are free, and how the delay grows after them."""

    free_per_pair: int = 3
    free_per_address: int = 20
    first_delay: dt.timedelta = dt.timedelta(seconds=2)
    max_delay: dt.timedelta = dt.timedelta(minutes=15)
    memory: dt.timedelta = dt.timedelta(days=1)


DEFAULT_LIMITS = LoginLimits()


def _key(*parts: str) -> str:
    joined = "\0".join(part.strip().lower() for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def delay_after(failures: int, free: int, limits: LoginLimits = DEFAULT_LIMITS) -> dt.timedelta:
    """The wait imposed after ``failures`` failures of which ``free`` cost nothing."""
    extra = failures - free
    if extra < 0:
        return dt.timedelta(0)
    # min() before the power: a long-running guesser must not overflow the timedelta.
    grown: dt.timedelta = limits.first_delay * 2 ** min(extra, 30)
    return min(grown, limits.max_delay)


def _wait(
    session: Session, scope: str, key: str, free: int, limits: LoginLimits, now: dt.datetime
) -> float:
    count, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(
            LoginFailure.scope == scope,
            LoginFailure.key == key,
            LoginFailure.at > now - limits.memory,
        )
    ).one()
    if not count or last is None:
        return 0.0
    last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
    until = last + delay_after(int(count), free, limits)
    return max(0.0, (until - now).total_seconds())


def retry_after(
    session: Session,
    *,
    username: str,
    address: str,
    limits: LoginLimits = DEFAULT_LIMITS,
    now: dt.datetime | None = None,
) -> float:
    """Seconds this username must wait before trying again from this address (0: now)."""
    now = now or utcnow()
    return max(
        _wait(session, PAIR, _key(username, address), limits.free_per_pair, limits, now),
        _wait(session, ADDRESS, _key(address), limits.free_per_address, limits, now),
    )


def record_failure(
    session: Session, *, username: str, address: str, now: dt.datetime | None = None
) -> None:
    """Count one refused login against the (username, address) pair and the address."""
    now = now or utcnow()
    session.add(LoginFailure(scope=PAIR, key=_key(username, address), at=now))
    session.add(LoginFailure(scope=ADDRESS, key=_key(address), at=now))
    session.flush()


def clear_failures(session: Session, *, username: str, address: str) -> None:
    """A successful login forgives the pair's earlier mistakes (not the address's others)."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.scope == PAIR, LoginFailure.key == _key(username, address)
        )
    )


def purge_failures(
    session: Session, limits: LoginLimits = DEFAULT_LIMITS, now: dt.datetime | None = None
) -> int:
    """Forget failures older than the limits' memory; returns how many."""
    cutoff = (now or utcnow()) - limits.memory
    result = session.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
