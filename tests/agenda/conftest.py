"""Agenda fixtures: the test practice on a migrated SQLite file database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import agenda
from core import Database, PracticeConfig, Settings
from standardiste.app import build_context, create_app
from tests.agenda.support import make_practice, write_practice
from tests.support import make_settings


@pytest.fixture
def practice() -> PracticeConfig:
    """The test practice."""
    return make_practice()


@pytest.fixture
def agenda_settings(tmp_path: Path) -> Settings:
    """Settings on a migrated SQLite file, with the test practice as configuration."""
    from standardiste.migrate import upgrade

    config = write_practice(tmp_path / "practice.yaml")
    value = make_settings(tmp_path, standardiste_config=config)
    upgrade(value.database_url)
    return value


@pytest.fixture
def db(agenda_settings: Settings) -> Iterator[Database]:
    """The database of the test."""
    database = Database(agenda_settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database, practice: PracticeConfig) -> Iterator[Session]:
    """A session on the database, synced with the test practice."""
    with db.sessions() as value:
        agenda.sync_from_config(value, practice)
        yield value


@pytest.fixture
def agenda_client(agenda_settings: Settings) -> Iterator[TestClient]:
    """The whole app over the test practice; its start-up syncs the agenda."""
    context = build_context(agenda_settings)
    with TestClient(create_app(context=context), base_url="http://testserver") as client:
        yield client
    context.db.dispose()
