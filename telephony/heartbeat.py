"""The heartbeat of a call's media stream: this instance says, every few seconds, it holds it.

While the WebSocket is open, the call record names this instance and its ``heartbeat_at`` is
refreshed every ``STANDARDISTE_HEARTBEAT_S``. If the process dies, the heartbeat goes stale and
another instance's sweeper closes the call (`standardiste.sweeping`). A failed refresh (the
database briefly unreachable) is logged and tried again at the next beat; the call goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from types import TracebackType

from starlette.concurrency import run_in_threadpool

import transcripts
from core import Database

_LOGGER = logging.getLogger(__name__)


class CallHeartbeat:
    """An async context: claims the call on entry, beats until exit.

    Args:
        db: The database.
        call_sid: The call's CallSid.
        instance: This instance's name (``STANDARDISTE_INSTANCE``).
        interval_s: Seconds between two beats.
    """

    def __init__(self, db: Database, call_sid: str, instance: str, interval_s: float) -> None:
        self._db = db
        self._call_sid = call_sid
        self._instance = instance
        self._interval = interval_s
        self._claimed = False
        self._lost = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CallHeartbeat:
        await self._tick()
        self._task = asyncio.create_task(self._run(), name="heartbeat")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def claimed(self) -> bool:
        """Whether the call record names this instance (False until the database answered)."""
        return self._claimed

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self._tick()

    async def _tick(self) -> None:
        try:
            alive = await run_in_threadpool(self._write, dt.datetime.now(dt.UTC))
        except Exception as exc:  # no traceback: database errors may quote a caller's data
            extra = {"call_sid": self._call_sid, "error": type(exc).__name__}
            _LOGGER.warning("call heartbeat failed; next beat will retry", extra=extra)
            return
        if not alive and not self._lost:
            # Unknown call, or closed by a sweeper that judged this instance dead: the
            # conversation goes on; its end will not reopen the record.
            self._lost = True
            _LOGGER.warning("call heartbeat refused", extra={"call_sid": self._call_sid})

    def _write(self, now: dt.datetime) -> bool:
        write = transcripts.beat if self._claimed else transcripts.claim_call
        with self._db.session() as session:
            done = write(session, call_sid=self._call_sid, instance=self._instance, now=now)
        # Only once committed: a claim rolled back is claimed again at the next beat.
        self._claimed = self._claimed or done
        return done
