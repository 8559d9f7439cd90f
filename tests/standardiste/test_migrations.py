"""One Alembic history: it builds the schema from an empty database and matches the models."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from core import PROJECT_ROOT, load_practice, parse_practice
from standardiste.migrate import downgrade, upgrade
from standardiste.models import all_metadata


def test_upgrade_from_empty_then_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    engine = create_engine(url)
    assert {"alembic_version", "calls"} <= set(inspect(engine).get_table_names())
    downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    assert "calls" in inspect(engine).get_table_names()
    engine.dispose()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, all_metadata())
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_stored_announcements_gain_the_emergency_numbers(tmp_path: Path) -> None:
    """Settings saved before announcements had to state 15 and 112 still load afterwards."""
    url = f"sqlite:///{tmp_path / 'settings.db'}"
    upgrade(url, "0005")
    document = load_practice(PROJECT_ROOT / "config" / "practice.yaml").model_dump(mode="json")
    document["answering"]["outside_hours"]["announcement"] = "Le cabinet est fermé."
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO practice_settings (id, version, document, updated_by, updated_at) "
                 "VALUES (1, 3, :document, 'test', CURRENT_TIMESTAMP)"),
            {"document": json.dumps(document)},
        )
    upgrade(url)
    with engine.connect() as conn:
        stored = json.loads(conn.execute(text("SELECT document FROM practice_settings")).scalar())
    engine.dispose()
    said = stored["answering"]["outside_hours"]["announcement"]
    assert said == "Le cabinet est fermé. En cas d'urgence, appelez le 15 ou le 112."
    assert parse_practice(stored).answering.outside_hours.announcement == said


def test_the_statistics_triggers_survive_every_migration(tmp_path: Path) -> None:
    # SQLite's batch mode rebuilds a table by copying it, which drops its triggers: a later
    # migration that alters `calls` or `inbox_messages` must create them again, or the year's
    # statistics would silently stop following corrections.
    url = f"sqlite:///{tmp_path / 'triggers.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        ).all()
    engine.dispose()
    found = {(table, name) for table, name in rows}
    expected = {
        (table, f"stats_{table}_{event}")
        for table in ("calls", "inbox_messages")
        for event in ("insert", "delete", "update")
    }
    assert expected <= found, f"missing: {sorted(expected - found)}"
