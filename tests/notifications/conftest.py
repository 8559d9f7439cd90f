"""Texts to patients against the local Twilio REST stand-in, over a migrated SQLite database.

The database is migrated once per session and copied for each test (a migration takes seconds
on a busy machine; a copy, milliseconds).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import agenda
from core import AppContext
from standardiste.app import build_context
from standardiste.migrate import upgrade
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import enable_sms, sms_settings


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sms-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def standin() -> Iterator[RunningStandIn]:
    with RunningStandIn() as running:
        yield running


@pytest.fixture
def sms_context(
    tmp_path: Path, migrated_db: Path, standin: RunningStandIn
) -> Iterator[AppContext]:
    """The app context with every kind of text on (48 h and 2 h reminders), Twilio's REST API
    at the stand-in."""
    database = tmp_path / "test.db"
    shutil.copy(migrated_db, database)
    context = build_context(sms_settings(tmp_path, database, standin.url))
    agenda.sync_agenda(context)
    enable_sms(context)
    yield context
    context.db.dispose()
