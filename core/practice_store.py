"""The practice settings in the database: seeded from `config/practice.yaml`, then the truth.

Staff change settings in the web pages; the change applies to the next call without a restart,
on every gateway instance, because each request checks the stored version (one indexed read)
and reloads the document only when it moved. Every change is kept in an audit log.

The last settings read are also kept in a file under the var folder: when the database does not
answer, the phone keeps answering as the practice wants (`cached`), even after a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core.db import Database, component_metadata
from core.practice import PracticeConfig
from core.practice_loading import ConfigError, parse_practice

_LOGGER = logging.getLogger(__name__)
_ROW_ID = 1


class ShellBase(DeclarativeBase):
    """Declarative base of the shell's own tables."""

    metadata = component_metadata()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PracticeSettings(ShellBase):
    """The one current settings document (a validated `PracticeConfig` as JSON)."""

    __tablename__ = "practice_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


class SettingsAudit(ShellBase):
    """One settings change: who, when, and the changed sections before and after."""

    __tablename__ = "settings_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    sections: Mapped[str] = mapped_column(String(200))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)


class StaleSettingsError(RuntimeError):
    """Someone else saved the settings since they were read; reload and try again."""


class NotMigratedError(RuntimeError):
    """The database has no settings table: `standardiste db upgrade` was not run."""


def _document(config: PracticeConfig) -> dict[str, Any]:
    return config.model_dump(mode="json", exclude_none=True)


class PracticeStore:
    """Reads and writes the practice settings; safe to share between threads."""

    def __init__(
        self, db: Database, seed: PracticeConfig, *, cache_file: Path | None = None
    ) -> None:
        self._db = db
        self._seed = seed
        self._lock = threading.Lock()
        self._cache_file = cache_file
        self._cached: PracticeConfig = _read_cache(cache_file) or seed
        self._version = 0
        self.listeners: list[Callable[[Session, PracticeConfig], None]] = []
        """Called in the saving transaction (e.g. the agenda re-syncs its schedules)."""

    def ensure_seeded(self) -> None:
        """Store the YAML file's settings when the database has none yet.

        A database that does not answer is no reason to refuse calls: the gateway starts with
        the last settings it read (its cache file), else the file's, and reads them again
        once the database answers.
        """
        try:
            self._db.ping()
        except OperationalError:
            _LOGGER.error("database unreachable at start-up; answering from the cached settings")
            return
        try:
            with self._db.session() as session:
                row = session.get(PracticeSettings, _ROW_ID)
                if row is None:
                    session.add(PracticeSettings(
                        id=_ROW_ID, version=1, updated_by="config/practice.yaml",
                        document=json.dumps(_document(self._seed), ensure_ascii=False)))
                    for listener in self.listeners:
                        listener(session, self._seed)
                elif json.loads(row.document) != _document(self._seed):
                    _LOGGER.warning(
                        "the practice file differs from the settings in the database; the "
                        "database wins (change settings in the staff pages, or see "
                        "`standardiste config export`)")
        except IntegrityError:
            pass  # another instance seeded it first
        except (OperationalError, ProgrammingError) as exc:
            raise NotMigratedError(
                "the database is not migrated: run `standardiste db upgrade`") from exc

    def current(self) -> PracticeConfig:
        """The latest settings, reloaded when another request or instance changed them."""
        with self._db.session() as session:
            version = session.scalar(
                select(PracticeSettings.version).where(PracticeSettings.id == _ROW_ID))
            if version is None or version == self._version:
                return self._cached
            row = session.get(PracticeSettings, _ROW_ID)
            assert row is not None
            config = self._parse(row.document)
        with self._lock:
            self._cached, self._version = config, row.version
        self._write_cache(config)
        return config

    @property
    def cached(self) -> PracticeConfig:
        """The settings last read, without asking the database (when it does not answer)."""
        return self._cached

    @property
    def version(self) -> int:
        """The version of the cached settings (0 before the first read)."""
        return self._version

    def save(self, config: PracticeConfig, *, actor: str, expected_version: int) -> int:
        """Store new settings if nobody saved since ``expected_version``; returns the new one."""
        with self._db.session() as session:
            row = session.get(PracticeSettings, _ROW_ID, with_for_update=True)
            if row is None:
                raise NotMigratedError("no settings stored: restart the gateway to seed them")
            if row.version != expected_version:
                raise StaleSettingsError(f"settings are at version {row.version}")
            before = json.loads(row.document)
            after = _document(config)
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if not changed:
                return row.version
            row.version += 1
            row.document = json.dumps(after, ensure_ascii=False)
            row.updated_at = _utcnow()
            row.updated_by = actor
            session.add(SettingsAudit(
                actor=actor, version=row.version, sections=",".join(changed),
                before=json.dumps({k: before.get(k) for k in changed}, ensure_ascii=False),
                after=json.dumps({k: after.get(k) for k in changed}, ensure_ascii=False)))
            for listener in self.listeners:
                listener(session, config)
            new_version = row.version
        _LOGGER.info("settings changed", extra={"version": new_version, "sections": changed})
        return new_version

    def audit_log(self, limit: int = 50) -> list[SettingsAudit]:
        """The latest settings changes, newest first."""
        with self._db.session() as session:
            return list(session.scalars(
                select(SettingsAudit).order_by(SettingsAudit.id.desc()).limit(limit)))

    def export_yaml(self) -> str:
        """The current settings as a practice file."""
        return yaml.safe_dump(_document(self.current()), allow_unicode=True, sort_keys=False)

    def _write_cache(self, config: PracticeConfig) -> None:
        path = self._cache_file
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fresh.write_text(json.dumps(_document(config), ensure_ascii=False), encoding="utf-8")
            fresh.replace(path)
        except OSError as exc:  # the database keeps the truth; the copy is a convenience
            _LOGGER.warning("settings cache not written", extra={"error": str(exc)})

    def _parse(self, document: str) -> PracticeConfig:
        try:
            return parse_practice(json.loads(document), "database practice_settings")
        except ConfigError:
            _LOGGER.exception("stored settings are invalid; keeping the previous ones")
            return self._cached


def _read_cache(path: Path | None) -> PracticeConfig | None:
    """The settings a previous run kept, if readable and valid."""
    if path is None or not path.is_file():
        return None
    try:
        return parse_practice(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (OSError, ValueError, ConfigError):
        _LOGGER.warning("settings cache unreadable; ignored", extra={"path": str(path)})
        return None
