"""Retention and erasure for the spool folder: pending writes, rejected ones, leftovers.

The spool (`transcripts.spool`) holds callers' words while the database is down; a record the
database refused is kept aside in a ``.rejected`` file for a person to look at. Neither may
outlive the transcripts' retention. Records of a turn carry their time (``at``); for the others
the file's modification time stands for their age (it is at least as recent as each of them).
Files are rewritten under the same ``flock`` the spool takes, and skipped while another
process holds it (the next round purges them).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken

from transcripts.spool import locked_if_free, open_line

SPOOL_FOLDER = "spool"


@dataclass(frozen=True)
class SpoolPurge:
    """What one pass removed from the spool folder."""

    files: int = 0
    records: int = 0


def spool_dir(var_dir: Path) -> Path:
    """The folder every instance's spool lives in."""
    return var_dir / SPOOL_FOLDER


def _record_time(record: dict[str, Any]) -> dt.datetime | None:
    fields = record.get("fields")
    at = fields.get("at") if isinstance(fields, dict) else None
    if not isinstance(at, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _filter_file(path: Path, doomed: Callable[[dict[str, Any], dt.datetime], bool]) -> int:
    """Drop the records ``doomed`` picks, under the file's lock; returns how many."""
    with locked_if_free(path) as handle:
        if handle is None:
            return 0
        written = dt.datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, dt.UTC)
        lines = [line for line in handle if line.strip()]
        kept: list[str] = []
        for line in lines:
            try:
                record = open_line(path.parent, line)
            except (ValueError, InvalidToken):
                record = {}
            if not doomed(record, written):
                kept.append(line)
        removed = len(lines) - len(kept)
        if removed:
            # Rewritten in place, under the lock: the spool appends to the same inode.
            handle.seek(0)
            handle.truncate()
            handle.writelines(kept)
            handle.flush()
            os.fsync(handle.fileno())
        if not kept:
            path.unlink(missing_ok=True)
        return removed


def purge_spool(var_dir: Path, cutoff: dt.datetime) -> SpoolPurge:
    """Remove every spooled or rejected record older than ``cutoff``, and stale leftovers."""

    def expired(record: dict[str, Any], written: dt.datetime) -> bool:
        return (_record_time(record) or written) < cutoff

    return _sweep(var_dir, expired, cutoff)


def erase_spooled_calls(var_dir: Path, call_sids: Collection[str]) -> SpoolPurge:
    """Remove every spooled or rejected record of these calls (patient erasure)."""

    def theirs(record: dict[str, Any], _written: dt.datetime) -> bool:
        return record.get("call_sid") in call_sids

    return _sweep(var_dir, theirs, None)


def spooled_records(var_dir: Path, call_sids: Collection[str]) -> list[dict[str, Any]]:
    """The spooled or rejected records of these calls (patient export)."""
    found: list[dict[str, Any]] = []
    folder = spool_dir(var_dir)
    for path in sorted(folder.glob("*.jsonl")) + sorted(folder.glob("*.rejected")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    record = open_line(folder, line)
                except (ValueError, InvalidToken):
                    continue
                if record.get("call_sid") in call_sids:
                    found.append({**record, "file": path.name})
    return found


def _sweep(
    var_dir: Path,
    doomed: Callable[[dict[str, Any], dt.datetime], bool],
    cutoff: dt.datetime | None,
) -> SpoolPurge:
    folder = spool_dir(var_dir)
    if not folder.is_dir():
        return SpoolPurge()
    files = records = 0
    for path in sorted(folder.iterdir()):
        if path.suffix in (".jsonl", ".rejected"):
            before = path.exists()
            records += _filter_file(path, doomed)
            files += int(before and not path.exists())
        elif path.suffix == ".tmp" and cutoff is not None:
            # A replay's half-written copy, left by a crash: the original still holds it all.
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            if modified < cutoff:
                path.unlink(missing_ok=True)
                files += 1
    return SpoolPurge(files=files, records=records)
