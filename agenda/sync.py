"""Seed the agenda tables from `config/practice.yaml`.

The configuration seeds the database; from then on the database is what the agenda reads. Each
sync makes the configured practitioners, appointment types, weekly hours and configured closures
match the file. What the file no longer lists is retired (``active = False``), never deleted,
because appointments keep referring to it; closures of another origin are left alone.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agenda.models import AppointmentType, Closure, OpeningHours, Practitioner
from core import WEEKDAYS, PracticeConfig

_LOGGER = logging.getLogger(__name__)
CONFIG_ORIGIN = "config"


@dataclass(frozen=True)
class SyncReport:
    """What a sync changed."""

    practitioners_added: int
    practitioners_retired: int
    types_added: int
    types_retired: int
    closures: int


def new_feed_token() -> str:
    """A fresh secret for a practitioner's iCalendar feed URL."""
    return secrets.token_urlsafe(24)


def sync_from_config(session: Session, practice: PracticeConfig) -> SyncReport:
    """Make the agenda tables match the practice configuration, then commit.

    Idempotent; safe when several gateway processes start at once (a lost insert race is
    retried once against what the other process wrote).

    Args:
        session: a session on the application database.
        practice: the validated practice configuration.

    Returns:
        Counts of what was added or retired.
    """
    try:
        report = apply_config(session, practice)
        session.commit()
    except IntegrityError:
        session.rollback()
        _LOGGER.info("agenda sync raced another process; retrying")
        report = apply_config(session, practice)
        session.commit()
    return report


def apply_config(session: Session, practice: PracticeConfig) -> SyncReport:
    """The work of `sync_from_config` inside the caller's transaction (flushed, not committed)."""
    existing = {p.id: p for p in session.scalars(select(Practitioner))}
    added = 0
    for conf in practice.practitioners:
        row = existing.get(conf.id)
        if row is None:
            row = Practitioner(id=conf.id, feed_token=new_feed_token())
            session.add(row)
            added += 1
        row.name = conf.name
        row.specialty = conf.specialty
        row.active = True
        row.hours = [
            OpeningHours(weekday=index, start=span.start, end=span.end)
            for index in range(len(WEEKDAYS))
            for span in conf.hours.for_weekday(index)
        ]
    configured = {p.id for p in practice.practitioners}
    retired = 0
    for pid, row in existing.items():
        if pid not in configured and row.active:
            row.active = False
            row.hours = []
            retired += 1
    session.flush()

    types = {t.id: t for t in session.scalars(select(AppointmentType))}
    by_id = {p.id: p for p in session.scalars(select(Practitioner))}
    types_added = 0
    for kind in practice.appointment_types:
        type_row = types.get(kind.id)
        if type_row is None:
            type_row = AppointmentType(id=kind.id)
            session.add(type_row)
            types_added += 1
        type_row.label = kind.label
        type_row.duration_minutes = kind.duration_minutes
        type_row.bookable_by_phone = kind.bookable_by_phone
        type_row.active = True
        type_row.practitioners = [by_id[pid] for pid in kind.practitioners]
    known_types = {t.id for t in practice.appointment_types}
    types_retired = 0
    for tid, type_row in types.items():
        if tid not in known_types and type_row.active:
            type_row.active = False
            types_retired += 1

    session.execute(delete(Closure).where(Closure.origin == CONFIG_ORIGIN))
    closures = 0
    for closure in practice.closures:
        targets: list[str | None] = [*closure.practitioners] if closure.practitioners else [None]
        for target in targets:
            session.add(
                Closure(
                    start=closure.start,
                    end=closure.end,
                    practitioner_id=target,
                    reason=closure.reason,
                    origin=CONFIG_ORIGIN,
                )
            )
            closures += 1
    session.flush()
    return SyncReport(added, retired, types_added, types_retired, closures)


def on_settings_saved(session: Session, practice: PracticeConfig) -> None:
    """The practice store's listener: re-sync the agenda in the transaction saving settings."""
    apply_config(session, practice)
