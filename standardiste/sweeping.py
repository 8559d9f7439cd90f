"""The sweeper every gateway instance runs: calls whose instance died are closed by another,
and website conversations left idle expire.

A call's WebSocket lives in one process, which refreshes the call's heartbeat while it lasts
(`telephony.media_ws`). When that process dies (kill -9, a lost machine), nobody closes the
call: every instance periodically closes the calls whose heartbeat is stale, leaves what the
caller said in the inbox and releases the slots the call held (`transcripts.close_stale_calls`
makes sure exactly one instance does it for each call).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from starlette.concurrency import run_in_threadpool

import agenda
import dialogue
import transcripts
from core import CALL_OUTCOMES, SWEPT_CALLS, AppContext, Database, Settings

_LOGGER = logging.getLogger(__name__)


def sweep_once(
    db: Database,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    stale_after_s: float | None = None,
) -> list[transcripts.SweptCall]:
    """One sweep: close the stale calls, leave their messages, release their holds (blocking).

    Args:
        db: The database.
        settings: The instance's settings (stale and ringing delays, its name for the logs).
        now: The current time (UTC); now by default.
        stale_after_s: Overrides ``STANDARDISTE_STALE_AFTER_S`` (the CLI and tests).

    Returns:
        The calls this instance closed.
    """
    now = now or dt.datetime.now(dt.UTC)
    stale_after = dt.timedelta(seconds=stale_after_s or settings.standardiste_stale_after_s)
    ringing = dt.timedelta(seconds=settings.standardiste_ringing_timeout_s)
    with db.session() as session:
        swept = transcripts.close_stale_calls(
            session, now=now, stale_after=stale_after, ringing_timeout=ringing
        )
    # Released after the claim is committed: if this process dies in between, the holds
    # simply expire (agenda holds have their own expiry).
    for call in swept:
        with db.session() as session:
            released = agenda.release_holds(session, call.call_sid)
        SWEPT_CALLS.labels(reason=call.reason).inc()
        CALL_OUTCOMES.labels(outcome=call.reason).inc()
        _LOGGER.warning(
            "stale call closed",
            extra={
                "call_sid": call.call_sid,
                "reason": call.reason,
                "held_by": call.instance,
                "swept_by": settings.standardiste_instance,
                "holds_released": released,
                "message_id": call.message_id,
            },
        )
    return swept


def replay_spool(db: Database, settings: Settings) -> int:
    """Write what was spooled while the database did not answer (blocking; idempotent): this
    instance's spool, and those of instances that died (`transcripts.Spool.replay`).

    Returns:
        How many spooled writes went in.
    """
    spool = transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)
    return spool.replay(db, dead_after_s=settings.standardiste_stale_after_s)


def _count_finished_days(db: Database) -> None:
    """The statistics' days counted ahead of their first reader."""
    with db.session() as session:
        transcripts.count_finished_days(session, dt.datetime.now(dt.UTC))


def _heartbeat(settings: Settings) -> None:
    """Say this instance serves (its spool's owner lock and heartbeat, see `transcripts.Spool`)."""
    spool = transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)
    if spool.claimed:
        spool.beat()
    elif not spool.claim():
        _LOGGER.warning(
            "spool owned by another live process; is STANDARDISTE_INSTANCE shared?",
            extra={"instance": settings.standardiste_instance},
        )


async def sweep_forever(db: Database, settings: Settings) -> None:
    """Beat, replay the spools, then sweep, every ``STANDARDISTE_SWEEP_INTERVAL_S`` until
    cancelled; a failure (the database unreachable) is logged and tried again at the next
    interval. (Set-aside spool writes are forgotten with the transcripts' retention:
    `transcripts.purge_expired`.)

    The spool goes first: a call it ends is not swept, and its messages are the call's."""
    interval = settings.standardiste_sweep_interval_s
    spool = transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)
    try:
        while True:
            try:
                await run_in_threadpool(_heartbeat, settings)
                await run_in_threadpool(replay_spool, db, settings)
                await run_in_threadpool(sweep_once, db, settings)
                await run_in_threadpool(_count_finished_days, db)
            except Exception as exc:  # no traceback: database errors may quote a caller's data
                extra = {"error": type(exc).__name__}
                _LOGGER.warning("sweep failed; next one later", extra=extra)
            await asyncio.sleep(interval)
    finally:
        spool.release()


async def expire_website_chats_forever(context: AppContext) -> None:
    """Close the website conversations left idle (their requests go to the inbox), every
    ``STANDARDISTE_SWEEP_INTERVAL_S`` until cancelled; a failure is tried again later."""
    while True:
        try:
            await dialogue.expire_idle_website_chats(context)
        except Exception as exc:  # no traceback: database errors may quote a caller's data
            _LOGGER.warning(
                "website chat expiry failed; next one later", extra={"error": type(exc).__name__}
            )
        await asyncio.sleep(context.settings.standardiste_sweep_interval_s)
