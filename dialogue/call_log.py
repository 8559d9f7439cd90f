"""What a conversation reads and writes about its call, whichever mode it is in.

The practice settings (from the database, or the last copy when it does not answer), the call's
turns, its outcome and end, inbox messages, the holds it took. Writes go to the database, or to
the instance's spool when the database does not answer (`transcripts.write_durably`), so a
caller's words are never lost to an outage; reads fall back to what is known.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

import agenda
import transcripts
from core import AppContext, PracticeConfig

_LOGGER = logging.getLogger(__name__)


def spool_of(context: AppContext) -> transcripts.Spool:
    """This instance's spool."""
    settings = context.settings
    return transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)


class CallLog:
    """One conversation's record (see the module docstring)."""

    def __init__(self, context: AppContext, conversation_id: str) -> None:
        self.context = context
        self.conversation_id = conversation_id
        self.spool = spool_of(context)
        self._db_failed = False

    @property
    def database_down(self) -> bool:
        """Whether the database failed this conversation (its writes went to the spool)."""
        return self._db_failed or time.monotonic() < self.spool.down_until

    async def practice(self) -> PracticeConfig:
        """The current settings (staff may change them between two calls)."""
        context = self.context
        try:
            return await context.fetch_practice()
        except transcripts.DATABASE_UNREACHABLE:
            self._db_failed = True
            return context.practice_store.cached

    async def write(self, *writes: transcripts.PendingWrite) -> None:
        """Write to the call's record, or to the spool when the database does not answer."""
        if not await run_in_threadpool(
            transcripts.write_durably, self.context.db, self.spool, *writes
        ):
            self._db_failed = True

    async def turns(self) -> list[transcripts.Turn]:
        """The call's turns so far: the database's, and those waiting in the spool (written
        while it did not answer), so a conversation knows what was said either way."""

        def _load() -> list[transcripts.Turn]:
            with self.context.db.session() as session:
                return transcripts.list_turns(session, self.conversation_id)

        try:
            stored = await run_in_threadpool(_load)
        except transcripts.DATABASE_UNREACHABLE:
            self._db_failed = True
            stored = []
        spooled = await run_in_threadpool(
            transcripts.spooled_turns, self.spool, self.conversation_id
        )
        if not spooled:
            return stored
        seen = {(t.speaker, t.text, t.key, _aware(t.started_at)) for t in stored}
        fresh = [t for t in spooled if (t.speaker, t.text, t.key, t.started_at) not in seen]
        return sorted([*stored, *fresh], key=lambda t: _aware(t.started_at))

    async def leave(
        self,
        kind: transcripts.MessageKind,
        identity: transcripts.CallerIdentity,
        details: dict[str, Any],
        *,
        urgency: transcripts.Urgency | None = None,
        with_said: bool = False,
        same_request: bool = False,
    ) -> None:
        """An inbox message about this call (one per kind and request: a retried write changes
        nothing); ``same_request`` updates the request's set-aside message instead."""
        await self.write(transcripts.message_write(
            self.conversation_id, kind, identity, details, urgency=urgency, with_said=with_said,
            same_request=same_request,
        ))

    async def set_outcome(self, outcome: str) -> None:
        """What the call came to (booked, message, emergency, …)."""
        await self.write(transcripts.outcome_write(self.conversation_id, outcome))

    async def end(self, outcome: str) -> None:
        """Close the call record."""
        await self.write(transcripts.end_write(self.conversation_id, outcome))

    async def release_holds(self) -> None:
        """Let go of the slots this conversation held (they also expire by themselves)."""

        def _release() -> None:
            with self.context.db.session() as session:
                agenda.release_holds(session, self.conversation_id)

        try:
            await run_in_threadpool(_release)
        except transcripts.DATABASE_UNREACHABLE:
            self._db_failed = True
            _LOGGER.warning("holds not released", extra={"conversation": self.conversation_id})


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def open_call(
    context: AppContext,
    conversation_id: str,
    *,
    caller: str | None,
    channel: str,
    answered_by: str,
    simulated_start: dt.datetime | None = None,
) -> transcripts.Call:
    """Open (or find: the voice webhook opened it already) a conversation's call record."""

    def _open() -> transcripts.Call:
        with context.db.session() as session:
            return transcripts.open_call(
                session,
                call_sid=conversation_id,
                caller=caller,
                called=None,
                answered_by=answered_by,
                channel=channel,
                simulated_start=simulated_start,
            )

    return await run_in_threadpool(_open)
