"""The website chat's counters, in the database: rate limits and once-only claims.

Every gateway instance behind the load balancer must apply the same limits, so nothing is
counted in a process's memory. A limit is a fixed window: one row per (scope, key, period),
bumped by one upsert that returns the new count, atomic on SQLite and PostgreSQL alike. Client
addresses and conversation ids are kept only as SHA-256 digests.

A claim is a row that can be inserted once: the instance that inserts it closes a conversation
(the patient ended it, it expired, or the sweeper found it idle), never two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core import Settings, component_metadata

MAX_TEXT = 1000
"""The longest message the chat takes, in characters (413 beyond)."""
MAX_BODY = 8192
"""The largest request body, in bytes: a message of MAX_TEXT characters fits, with room."""


class DialogueBase(DeclarativeBase):
    """Declarative base of the dialogue's own tables."""

    metadata = component_metadata()


class WebsiteCounter(DialogueBase):
    """Requests counted in one window, or a claim."""

    __tablename__ = "website_chat_counters"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the client address or the conversation id."""
    period: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    """The window's number: seconds since the epoch divided by its length (0 for a claim)."""
    hits: Mapped[int] = mapped_column(Integer)
    expires: Mapped[int] = mapped_column(BigInteger, index=True)
    """Seconds since the epoch after which the row is useless (purged)."""


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per ``window_s`` seconds for one key of ``scope``."""

    scope: str
    count: int
    window_s: int


def limits_of(settings: Settings) -> dict[str, Limit]:
    """The limits the settings set: new conversations and messages, per address and per
    conversation."""
    return {
        "start": Limit("start-addr", settings.website_chat_starts_per_address, 600),
        "turn": Limit("turn-addr", settings.website_chat_turns_per_address, 60),
        "conversation": Limit("turn-conv", settings.website_chat_turns_per_conversation, 60),
    }


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _insert(session: Session) -> sqlite.Insert | postgresql.Insert:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(WebsiteCounter)


def hit(session: Session, limit: Limit, key: str, now: dt.datetime) -> int | None:
    """Count one request; None when it is within the limit, else the seconds to wait."""
    epoch = now.timestamp()
    window = int(epoch // limit.window_s)
    ends = (window + 1) * limit.window_s
    values = _insert(session).values(
        scope=limit.scope, key=_digest(key), period=window, hits=1, expires=ends
    )
    statement = values.on_conflict_do_update(
        index_elements=["scope", "key", "period"], set_={"hits": WebsiteCounter.hits + 1}
    ).returning(WebsiteCounter.hits)
    hits = int(session.execute(statement).scalar_one())
    if hits <= limit.count:
        return None
    return max(1, math.ceil(ends - epoch))


def claim(session: Session, what: str, key: str, now: dt.datetime) -> bool:
    """True for the first caller only, across every instance (kept for a day)."""
    values = _insert(session).values(
        scope=what, key=_digest(key), period=0, hits=1, expires=int(now.timestamp()) + 86_400
    )
    statement = values.on_conflict_do_nothing().returning(WebsiteCounter.hits)
    return session.execute(statement).first() is not None


def purge(session: Session, now: dt.datetime) -> int:
    """Forget the windows and claims that are over; returns how many rows went."""
    result = session.execute(
        delete(WebsiteCounter).where(WebsiteCounter.expires < int(now.timestamp()))
    )
    return int(getattr(result, "rowcount", 0) or 0)
