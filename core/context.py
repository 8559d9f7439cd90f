"""What the app holds for the life of the process, shared by every component's routes."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

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
        """The current practice settings (the database's, refreshed when they change)."""
        return self.practice_store.current()
