"""What the app holds for the life of the process, shared by every component's routes."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from starlette.concurrency import run_in_threadpool

from core.db import Database
from core.practice import PracticeConfig
from core.practice_store import PracticeStore
from core.settings import Settings


@dataclass
class AppContext:
    """Process-wide objects; nothing about a call is kept here."""

    settings: Settings
    db: Database
    practice_store: PracticeStore
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=10.0))
    speech: object | None = None
    """The telephony's shared speech engines (a ``telephony`` ``VoiceService``), loaded on the
    first call when None. Tests may set their own (e.g. with a scripted recognizer)."""

    @property
    def practice(self) -> PracticeConfig:
        """The current practice settings (the database's, refreshed when they change).

        A database read: for code already off the event loop (sync route handlers and
        dependencies, actions, the CLI). An ``async def`` awaits `fetch_practice`
        (tests/test_event_loop.py holds it)."""
        return self.practice_store.current()

    async def fetch_practice(self) -> PracticeConfig:
        """`practice` for async code: the read runs in a worker thread. On the event loop, a
        round trip to PostgreSQL would hold every call's audio and every request meanwhile.
        Not cached: answering hours changed on one gateway apply at once on all of them."""
        return await run_in_threadpool(self.practice_store.current)
