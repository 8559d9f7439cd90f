"""Settings in the database: seeded from the file, shared by instances, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core import (
    PROJECT_ROOT,
    Database,
    NotMigratedError,
    PracticeConfig,
    PracticeStore,
    Settings,
    StaleSettingsError,
    load_practice,
    parse_practice,
)

SEED = load_practice(PROJECT_ROOT / "config" / "practice.yaml")


def _with_mode(config: PracticeConfig, mode: str) -> PracticeConfig:
    data = config.model_dump(mode="json")
    data["answering"]["mode"] = mode
    return parse_practice(data)


def test_two_instances_see_each_others_changes(settings: Settings) -> None:
    db_a, db_b = Database(settings.database_url), Database(settings.database_url)
    a, b = PracticeStore(db_a, SEED), PracticeStore(db_b, SEED)
    a.ensure_seeded()
    b.ensure_seeded()  # second instance: no duplicate, no error
    assert b.current().answering.mode == "extended"
    new_version = a.save(_with_mode(a.current(), "always"), actor="dr-martin",
                         expected_version=a.version)
    assert new_version == 2
    assert b.current().answering.mode == "always"  # next request on the other instance
    entry = a.audit_log()[0]
    assert (entry.actor, entry.version, entry.sections) == ("dr-martin", 2, "answering")
    assert '"extended"' in entry.before and '"always"' in entry.after
    db_a.dispose()
    db_b.dispose()


def test_a_stale_save_is_refused_and_changes_nothing(settings: Settings) -> None:
    db = Database(settings.database_url)
    store = PracticeStore(db, SEED)
    store.ensure_seeded()
    first = store.current()
    store.save(_with_mode(first, "always"), actor="a", expected_version=1)
    with pytest.raises(StaleSettingsError):
        store.save(_with_mode(first, "office"), actor="b", expected_version=1)
    assert store.current().answering.mode == "always"
    assert len(store.audit_log()) == 1
    db.dispose()


def test_saving_identical_settings_is_not_a_change(settings: Settings) -> None:
    db = Database(settings.database_url)
    store = PracticeStore(db, SEED)
    store.ensure_seeded()
    assert store.save(store.current(), actor="a", expected_version=1) == 1
    assert store.audit_log() == []
    db.dispose()


def test_export_is_a_valid_practice_file(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.database_url)
    store = PracticeStore(db, SEED)
    store.ensure_seeded()
    path = tmp_path / "exported.yaml"
    path.write_text(store.export_yaml(), encoding="utf-8")
    assert load_practice(path) == SEED
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["practice"]["name"]
    db.dispose()


def test_an_unmigrated_database_is_named(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(NotMigratedError, match="standardiste db upgrade"):
        PracticeStore(db, SEED).ensure_seeded()
    db.dispose()
