"""What the app holds for the life of the process, shared by every component's routes."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from standardiste.db import Database
from standardiste.practice import PracticeConfig
from standardiste.settings import Settings


@dataclass
class AppContext:
    """Process-wide objects; nothing about a call is kept here."""

    settings: Settings
    db: Database
    practice: PracticeConfig
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=10.0))
