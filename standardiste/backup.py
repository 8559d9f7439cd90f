"""`standardiste backup` and `standardiste restore`: the database, recordings and spool, in one
encrypted file.

The database is copied live: SQLite through its online backup API (a consistent copy while the
gateway writes), PostgreSQL with ``pg_dump`` (custom format). Recordings and the spool (writes
waiting for the database: callers' words) are added as files. The archive (tar) is encrypted
with the data key, in chunks of 1 MiB so that recordings of months need no more memory than
one chunk; each chunk is a Fernet token (authenticated) over its index and a last-chunk flag, so
a chunk altered, dropped, reordered or cut off is refused at restore. Rasa's tracker store is not
saved: it only holds conversations in progress, whose transcripts the database has.

Restoring goes into an *empty* instance (no table, or only empty ones) unless ``force``: its
database, then its ``recordings/`` and ``spool/``. The data key must be the one of the backup
(keep it apart from the backups: docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine, inspect, text

from core import DataKeyError, Settings, __version__, data_cipher, normalise_url

MAGIC = b"STANDARDISTE-BACKUP-1\n"
CHUNK = 1 << 20
_HEADER = struct.Struct(">I?")  # chunk index, last chunk
_LENGTH = struct.Struct(">I")
FOLDERS = ("recordings", "spool")
_URL = re.compile(r"postgres(?:ql)?://\S+")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done as asked (the message says why)."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds (or a restore put back)."""

    path: Path
    database: str
    files: int
    bytes: int


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[-1])


def _libpq_url(url: str) -> str:
    """The URL as pg_dump/pg_restore read it (no SQLAlchemy driver suffix)."""
    return "postgresql://" + normalise_url(url).split("://", 1)[1]


def _dump_database(url: str, folder: Path) -> str:
    if _is_sqlite(url):
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(folder / "database.sqlite")
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return "sqlite"
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
          f"--file={folder / 'database.pgdump'}", _libpq_url(url)], "pg_dump")
    return "postgresql"


def _run(command: list[str], name: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{name} is not installed (the postgresql-client package)") from None
    if done.returncode != 0:
        # Its message may quote the URL (and its password): keep the first line, without it.
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise BackupError(f"{name}: {_URL.sub('<database>', first)}")


def _encrypted_chunks(settings: Settings, stream: IO[bytes]) -> Iterator[bytes]:
    cipher = data_cipher(settings)
    index = 0
    current = stream.read(CHUNK)
    while True:
        following = stream.read(CHUNK)
        last = not following
        yield cipher.encrypt(_HEADER.pack(index, last) + current)
        if last:
            return
        index += 1
        current = following


def backup(settings: Settings, out: Path) -> BackupReport:
    """Write an encrypted backup of this instance to ``out`` (owner-only file)."""
    var = Path(settings.standardiste_var_dir)
    with tempfile.TemporaryDirectory(prefix="standardiste-backup-") as work:
        folder = Path(work)
        kind = _dump_database(settings.database_url, folder)
        manifest: dict[str, Any] = {
            "format": 1,
            "software": __version__,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": kind,
        }
        files = 0
        archive = folder / "archive.tar"
        with tarfile.open(archive, "w") as tar:
            for name in ("database.sqlite", "database.pgdump"):
                if (folder / name).exists():
                    tar.add(folder / name, arcname=name)
            for sub in FOLDERS:
                if (var / sub).is_dir():
                    for path in sorted((var / sub).rglob("*")):
                        if path.is_file() and path.suffix != ".lock":
                            tar.add(path, arcname=f"{sub}/{path.relative_to(var / sub)}")
                            files += 1
            manifest["files"] = files
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as target, archive.open("rb") as plain:
            target.write(MAGIC)
            for token in _encrypted_chunks(settings, plain):
                target.write(_LENGTH.pack(len(token)) + token)
            target.flush()
            os.fsync(target.fileno())
        partial.replace(out)
    return BackupReport(out, kind, files, out.stat().st_size)


def _decrypt_to(settings: Settings, source: Path, target: Path) -> None:
    cipher = data_cipher(settings)
    with source.open("rb") as encrypted, target.open("wb") as plain:
        if encrypted.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{source}: not a Standardiste backup")
        index = 0
        while True:
            size = encrypted.read(_LENGTH.size)
            if len(size) < _LENGTH.size:
                raise BackupError(f"{source}: cut off (its last part is missing)")
            token = encrypted.read(_LENGTH.unpack(size)[0])
            try:
                chunk = cipher.decrypt(token)
            except Exception as exc:
                raise DataKeyError(
                    f"{source}: the data key does not open it (wrong key, or altered)"
                ) from exc
            number, last = _HEADER.unpack(chunk[: _HEADER.size])
            if number != index:
                raise BackupError(f"{source}: its parts are out of order")
            plain.write(chunk[_HEADER.size :])
            if last:
                if encrypted.read(1):
                    raise BackupError(f"{source}: data after its last part")
                return
            index += 1


def _is_empty(url: str) -> bool:
    if _is_sqlite(url) and not _sqlite_path(url).exists():
        return True
    engine = create_engine(normalise_url(url))
    try:
        tables = inspect(engine).get_table_names()
        with engine.connect() as connection:
            for table in tables:
                if table == "alembic_version":
                    continue
                probe = f'SELECT 1 FROM "{table}" LIMIT 1'  # noqa: S608 (names from the schema)
                if connection.execute(text(probe)).first():
                    return False
        return True
    finally:
        engine.dispose()


def _restore_database(url: str, folder: Path, kind: str) -> None:
    if kind == "sqlite":
        if not _is_sqlite(url):
            raise BackupError("this backup is of a SQLite database; DATABASE_URL is not SQLite")
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Through SQLite's backup API, not a file copy: the target's WAL stays consistent.
        source = sqlite3.connect(folder / "database.sqlite")
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if _is_sqlite(url):
        raise BackupError("this backup is of a PostgreSQL database; DATABASE_URL is SQLite")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
          f"--dbname={_libpq_url(url)}", str(folder / "database.pgdump")], "pg_restore")


def restore(settings: Settings, archive: Path, *, force: bool = False) -> BackupReport:
    """Put a backup back into this instance (empty unless ``force``).

    Raises:
        BackupError: not a backup, altered, or the instance is not empty.
        DataKeyError: the data key does not open it.
    """
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    if not force and not _is_empty(settings.database_url):
        raise BackupError("the database is not empty: restore into a new instance, or --force")
    var = Path(settings.standardiste_var_dir)
    with tempfile.TemporaryDirectory(prefix="standardiste-restore-") as work:
        folder = Path(work)
        plain = folder / "archive.tar"
        _decrypt_to(settings, archive, plain)
        with tarfile.open(plain, "r") as tar:
            tar.extractall(folder / "x", filter="data")
        content = folder / "x"
        manifest = json.loads((content / "manifest.json").read_text())
        _restore_database(settings.database_url, content, str(manifest["database"]))
        files = 0
        for sub in FOLDERS:
            if (content / sub).is_dir():
                for path in sorted((content / sub).rglob("*")):
                    if path.is_file():
                        destination = var / sub / path.relative_to(content / sub)
                        destination.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, destination)
                        destination.chmod(0o600)
                        files += 1
    return BackupReport(archive, str(manifest["database"]), files, archive.stat().st_size)
