"""Rasa's tracker store, seen from the gateway: its ``events`` table, for retention and erasure.

Rasa's SQL tracker store keeps every event of every conversation (the caller's words, the
slots: names, birth dates, medicines) in one table, ``events`` (``sender_id`` is our call SID
or chat session id, ``timestamp`` seconds since the epoch, ``data`` the event as JSON). Rasa's
HTTP API can read and append to a tracker but not delete one, so the gateway deletes the rows
itself, in SQL, on the store its settings name (`Settings.tracker_store`, the same Rasa uses).
Deleting under a running Rasa is safe: it reads a conversation's events on every message, so a
deleted conversation simply starts afresh if that sender ever writes again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    select,
)

from core import Settings

_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
_BATCH = 500


def tracker_url(settings: Settings) -> str:
    """The SQLAlchemy URL of the tracker store (SQLite file or PostgreSQL database)."""
    store = settings.tracker_store
    if store.startswith("postgres"):
        return "postgresql+psycopg://" + store.split("://", 1)[1]
    return f"sqlite:///{store}"


@contextmanager
def _events(settings: Settings) -> Iterator[Engine | None]:
    """An engine on the store, or None when Rasa has not created its table (never ran)."""
    store = settings.tracker_store
    if not store.startswith("postgres") and not Path(store).is_file():
        yield None
        return
    engine = create_engine(tracker_url(settings))
    try:
        yield engine if inspect(engine).has_table("events") else None
    finally:
        engine.dispose()


def purge_tracker_events(settings: Settings, cutoff: dt.datetime) -> int:
    """Delete every tracker event older than ``cutoff``; returns how many."""
    with _events(settings) as engine:
        if engine is None:
            return 0
        with engine.begin() as connection:
            result = connection.execute(
                delete(_EVENTS).where(_EVENTS.c.timestamp < cutoff.timestamp())
            )
            return int(result.rowcount or 0)


def erase_conversations(settings: Settings, sender_ids: Iterable[str]) -> int:
    """Delete every event of these conversations (patient erasure); returns how many."""
    ids = sorted(set(sender_ids))
    deleted = 0
    with _events(settings) as engine:
        if engine is None or not ids:
            return 0
        with engine.begin() as connection:
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start : start + _BATCH]
                result = connection.execute(
                    delete(_EVENTS).where(_EVENTS.c.sender_id.in_(chunk))
                )
                deleted += int(result.rowcount or 0)
    return deleted


def conversation_events(settings: Settings, sender_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every event of these conversations, oldest first (patient export)."""
    ids = sorted(set(sender_ids))
    with _events(settings) as engine:
        if engine is None or not ids:
            return []
        with engine.connect() as connection:
            rows = connection.execute(
                select(_EVENTS.c.sender_id, _EVENTS.c.timestamp, _EVENTS.c.data)
                .where(_EVENTS.c.sender_id.in_(ids))
                .order_by(_EVENTS.c.id)
            ).all()
    events: list[dict[str, Any]] = []
    for sender_id, timestamp, data in rows:
        try:
            event = json.loads(data) if data else {}
        except ValueError:
            event = {"unreadable": True}
        events.append({"conversation": sender_id, "timestamp": timestamp, "event": event})
    return events


def count_events(settings: Settings, *, sender_ids: Iterable[str] | None = None) -> int:
    """How many events the store holds (for these conversations): checks and tests."""
    with _events(settings) as engine:
        if engine is None:
            return 0
        query = select(func.count()).select_from(_EVENTS)
        if sender_ids is not None:
            query = query.where(_EVENTS.c.sender_id.in_(sorted(set(sender_ids))))
        with engine.connect() as connection:
            return int(connection.scalar(query) or 0)


def oldest_event(settings: Settings) -> dt.datetime | None:
    """When the oldest event still held was written (checks and tests)."""
    with _events(settings) as engine:
        if engine is None:
            return None
        with engine.connect() as connection:
            oldest = connection.scalar(select(func.min(_EVENTS.c.timestamp)))
    return None if oldest is None else dt.datetime.fromtimestamp(float(oldest), dt.UTC)
