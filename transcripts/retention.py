"""Retention: transcripts, recordings and inbox messages are deleted after the configured periods.

Every copy of what a caller said goes with the transcripts: Rasa's tracker events
(`transcripts.tracker_store`), the spool's pending and rejected records
(`transcripts.spool_retention`), and the caller's words a message quotes (``said`` in its
details: the message itself is kept for the messages' longer period, without them).

Periods come from the practice settings (``retention``: days, recordings at most 183, about six
months). `standardiste purge` runs one pass; the gateway runs one every hour (`retention_loop`,
started by the lifespan of the transcripts router, `/api/inbox`). Several gateway instances may
run it at once: each pass is idempotent, and on PostgreSQL an advisory lock lets only one of them
work per round while the others skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from core import AppContext, Retention
from transcripts.models import Call, InboxMessage, Turn
from transcripts.recordings import PARTIAL_SUFFIX, recording_path, recordings_dir
from transcripts.spool_retention import purge_spool
from transcripts.tracker_store import purge_tracker_events

_LOGGER = logging.getLogger(__name__)
MAX_RECORDING_DAYS = 183
PURGE_INTERVAL_S = 3600.0
FIRST_PURGE_DELAY_S = 60.0
_LOCK_KEY = 0x5354414E  # "STAN": the PostgreSQL advisory lock of the purge
_BATCH = 500


@dataclass(frozen=True)
class PurgeReport:
    """What one pass deleted."""

    calls: int = 0
    turns: int = 0
    messages: int = 0
    recordings: int = 0
    quoted_words: int = 0
    """Messages whose copy of the caller's words was removed (the message itself stays)."""
    tracker_events: int = 0
    spool_records: int = 0
    spool_files: int = 0
    skipped: bool = False
    """True when another instance held the purge lock (PostgreSQL)."""


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# Keys of a message's details that quote the caller (copied from the transcript).
QUOTED_KEYS = ("said",)


def _strip_quotes(session: Session, cutoff: dt.datetime) -> int:
    """Remove the caller's quoted words from messages older than the transcripts' period."""
    stripped = 0
    rows = session.scalars(
        select(InboxMessage).where(InboxMessage.created_at < cutoff).execution_options(
            yield_per=_BATCH
        )
    )
    for message in rows:
        details = dict(message.details or {})
        if any(key in details for key in QUOTED_KEYS):
            for key in QUOTED_KEYS:
                details.pop(key, None)
            message.details = details
            stripped += 1
    return stripped


def _purge_rows(
    session: Session, retention: Retention, now: dt.datetime
) -> tuple[int, int, int, list[str]]:
    messages_cutoff = now - dt.timedelta(days=retention.messages_days)
    transcripts_cutoff = now - dt.timedelta(days=retention.transcripts_days)
    messages = _count(
        session.execute(delete(InboxMessage).where(InboxMessage.created_at < messages_cutoff))
    )
    calls = turns = 0
    purged_sids: list[str] = []
    while True:
        batch = session.execute(
            select(Call.id, Call.call_sid).where(Call.started_at < transcripts_cutoff).limit(_BATCH)
        ).all()
        if not batch:
            break
        ids = [row[0] for row in batch]
        purged_sids.extend(row[1] for row in batch)
        # Messages outlive transcripts: they keep their own copy of who called and why.
        session.execute(
            update(InboxMessage).where(InboxMessage.call_id.in_(ids)).values(call_id=None)
        )
        turns += _count(session.execute(delete(Turn).where(Turn.call_id.in_(ids))))
        calls += _count(session.execute(delete(Call).where(Call.id.in_(ids))))
    return calls, turns, messages, purged_sids


def _delete_recordings(var_dir: Path, purged_sids: list[str], cutoff: dt.datetime) -> int:
    deleted = 0
    doomed: set[Path] = set()
    for sid in purged_sids:
        with contextlib.suppress(ValueError):
            doomed.add(recording_path(var_dir, sid))
    folder = recordings_dir(var_dir)
    if folder.is_dir():
        # Unfinished files too: a crash mid-call leaves a ``.wav.part`` behind.
        for path in (*folder.glob("*.wav"), *folder.glob(f"*.wav{PARTIAL_SUFFIX}")):
            with contextlib.suppress(FileNotFoundError):
                if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < cutoff:
                    doomed.add(path)
    for path in doomed:
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass  # another instance deleted it first
    return deleted


def purge_expired(
    context: AppContext, *, now: dt.datetime | None = None, retention: Retention | None = None
) -> PurgeReport:
    """One retention pass: messages, transcripts (calls, turns, tracker events, spool, quoted
    words), then recordings.

    Args:
        context: The app context (database, settings, current practice settings).
        now: The moment to count periods from (tests); defaults to now.
        retention: Periods to apply instead of the practice settings' (tests).

    Returns:
        What was deleted, or ``skipped`` when another instance is purging.
    """
    now = now or dt.datetime.now(dt.UTC)
    retention = retention or context.practice.retention
    with context.db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            locked = session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
            )
            if not locked:
                return PurgeReport(skipped=True)
        calls, turns, messages, purged_sids = _purge_rows(session, retention, now)
        transcripts_cutoff = now - dt.timedelta(days=retention.transcripts_days)
        quoted = _strip_quotes(session, transcripts_cutoff)
    settings = context.settings
    tracker_events = purge_tracker_events(settings, transcripts_cutoff)
    spool = purge_spool(settings.standardiste_var_dir, transcripts_cutoff)
    # Files go once the rows are gone for good (after the commit), never before.
    recordings_days = min(retention.recordings_days, MAX_RECORDING_DAYS)
    recordings = _delete_recordings(
        context.settings.standardiste_var_dir,
        purged_sids,
        now - dt.timedelta(days=recordings_days),
    )
    report = PurgeReport(
        calls=calls,
        turns=turns,
        messages=messages,
        recordings=recordings,
        quoted_words=quoted,
        tracker_events=tracker_events,
        spool_records=spool.records,
        spool_files=spool.files,
    )
    counts = {k: v for k, v in dataclasses.asdict(report).items() if k != "skipped" and v}
    if counts:
        _LOGGER.info("retention purge", extra=counts)
    return report


async def retention_loop(
    context: AppContext,
    *,
    interval_s: float = PURGE_INTERVAL_S,
    first_delay_s: float = FIRST_PURGE_DELAY_S,
) -> None:
    """Purge every ``interval_s`` seconds until cancelled; a failed pass is logged, not fatal."""
    # Jitter keeps instances started together from purging in lockstep.
    await asyncio.sleep(first_delay_s + random.uniform(0, first_delay_s))
    while True:
        try:
            await run_in_threadpool(purge_expired, context)
        except Exception:
            _LOGGER.exception("retention purge failed; retrying at the next round")
        await asyncio.sleep(interval_s)


@contextlib.asynccontextmanager
async def retention_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run `retention_loop` for the life of the gateway."""
    context: AppContext = app.state.context
    task = asyncio.create_task(retention_loop(context), name="retention-purge")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
