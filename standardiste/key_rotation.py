"""`standardiste keys rotate`: re-encrypt everything stored under the first data key.

Rotation (docs/deployment.md): put a new key first (``standardiste keys new``; in
STANDARDISTE_DATA_KEY, or as the first line of var/data.key), keep the old one after it, run
this, then remove the old key. Every token still readable by any key is re-encrypted under the
first (`MultiFernet.rotate`); plain values left from before encryption are encrypted. It can
run while the gateway serves (each value is rewritten in its own short transaction, each file
atomically); old backups keep needing the key they were made with.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from cryptography.fernet import MultiFernet
from sqlalchemy import text

from core import Database, Settings, is_token, register_data_cipher

ENCRYPTED_COLUMNS = (
    ("call_turns", "text"),
    ("inbox_messages", "summary"),
    ("inbox_messages", "details"),
    ("inbox_messages", "note"),
    ("calls", "summary"),
)


def _renew(cipher: MultiFernet, data: bytes) -> bytes:
    return cipher.rotate(data) if is_token(data) else cipher.encrypt(data)


def _columns(db: Database, cipher: MultiFernet) -> int:
    done = 0
    for table, column in ENCRYPTED_COLUMNS:
        # Names from the fixed list above, never from data.
        select = f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
        update = f"UPDATE {table} SET {column} = :v WHERE id = :id"  # noqa: S608
        with db.engine.connect() as connection:
            rows = connection.execute(text(select)).all()
        for row_id, value in rows:
            renewed = _renew(cipher, str(value).encode("utf-8")).decode("ascii")
            with db.engine.begin() as connection:
                connection.execute(text(update), {"v": renewed, "id": row_id})
            done += 1
    return done


def _replace(path: Path, data: bytes) -> None:
    staging = path.with_name(path.name + ".rotating")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)


def _recordings(var: Path, cipher: MultiFernet) -> int:
    folder = var / "recordings"
    done = 0
    for path in sorted(folder.glob("*.wav")) if folder.is_dir() else []:
        _replace(path, _renew(cipher, path.read_bytes()))
        done += 1
    return done


def _spool(var: Path, cipher: MultiFernet) -> int:
    folder = var / "spool"
    done = 0
    for path in sorted(folder.glob("*.jsonl")) + sorted(folder.glob("*.rejected")):
        with path.open("r+", encoding="utf-8") as handle:
            # The spool's own lock: no append or replay while its lines are rewritten.
            fcntl.flock(handle, fcntl.LOCK_EX)
            lines = [line.strip() for line in handle if line.strip()]
            renewed = [_renew(cipher, line.encode("utf-8")).decode("ascii") for line in lines]
            handle.seek(0)
            handle.truncate()
            handle.writelines(line + "\n" for line in renewed)
            handle.flush()
            os.fsync(handle.fileno())
            done += len(lines)
    return done


def rotate(settings: Settings) -> dict[str, int]:
    """Re-encrypt columns, recordings and spool under the first key; returns the counts."""
    cipher = register_data_cipher(settings)
    var = Path(settings.standardiste_var_dir)
    db = Database(settings.database_url)
    try:
        columns = _columns(db, cipher)
    finally:
        db.dispose()
    return {
        "values": columns,
        "recordings": _recordings(var, cipher),
        "spooled writes": _spool(var, cipher),
    }
