"""Writes that outlive a few seconds without the database: retried, else spooled, then replayed.

A turn, an inbox message or a call's end that cannot be written (the database unreachable:
restarting, failing over, a network blip) is retried a few times with a short backoff; if it
still fails it is appended to this instance's spool, a JSON-lines file under ``<var>/spool/``
written with fsync, so the caller's request survives even if the process dies next. The
sweeper loop (`standardiste.sweeping`) replays the spool into the database once it answers.

Replaying is idempotent: a turn already present (same call, speaker, words and time) is not
added again, a message is left once per call and kind, and ending a call twice keeps the first
end; a call opened while the database was away (the webhook answered from its cached settings)
is opened first. Each record carries a unique id, for the logs. The spool holds callers' words
and numbers: only ids and counts are logged.

Whoever is alive replays. A file is named by its instance's stable name (``STANDARDISTE_INSTANCE``,
the host name by default), so a restarted instance finds its own. While an instance serves, it
holds a lock on ``<name>.owner`` beside its file and touches it at every sweep (its heartbeat):
another instance replays the file of an instance whose lock is free and whose heartbeat stopped
(it died and never came back, on this host or another sharing the folder).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import InterfaceError, OperationalError

from core import Database, cipher_for, is_token
from transcripts.models import Turn
from transcripts.pending_writes import PendingWrite, apply_write, aware

_LOGGER = logging.getLogger(__name__)
UNREACHABLE = (OperationalError, InterfaceError)
"""What a database that does not answer raises (connection refused, reset, timed out)."""
_BACKOFF_S = (0.1, 0.3, 0.6)
"""Pauses between the attempts of one write: about a second in all, then the spool."""
_DOWN_FOR_S = 5.0
"""After a failed write, later ones go straight to the spool for this long: a caller waits
for one retry cycle, not one per line of the transcript."""
_OWNER = ".owner"
_REJECTED = ".rejected"


class Spool:
    """The spool of one gateway instance: a file of its own, under ``<var>/spool/``.

    Files are locked (``flock``) while appended to or replayed. An instance replays its own file
    and those of dead instances (see the module docstring): a live instance's file is its own
    business, so two instances never take turns on one outage's writes.
    """

    def __init__(self, folder: Path, instance: str) -> None:
        self.folder = folder
        self.name = _file_name(instance)
        self.path = folder / (self.name + ".jsonl")
        self.owner_path = folder / (self.name + _OWNER)
        self.down_until = 0.0
        """Until then (monotonic clock), writes skip the database and go to the spool."""
        self._owner: TextIO | None = None

    @property
    def claimed(self) -> bool:
        """Whether this process holds its instance's owner lock (it serves as that instance)."""
        return self._owner is not None

    def claim(self) -> bool:
        """Hold this instance's owner lock while the process serves, and beat once.

        Returns:
            False when another live process holds it (the same instance name twice, or another
            instance replaying this one's file from before a restart): try again later.
        """
        if self._owner is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            owner = self.owner_path.open("a", encoding="utf-8")
            try:
                fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner.close()
                return False
            self._owner = owner
        self.beat()
        return True

    def beat(self) -> None:
        """The heartbeat other instances read (the owner file's modification time)."""
        if self._owner is not None:
            os.utime(self.owner_path)

    def release(self) -> None:
        """Let go of the owner lock (the process stops serving)."""
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.close()

    def append(self, *writes: PendingWrite) -> None:
        """Append writes durably (fsync'd before returning)."""
        lines = "".join(seal_line(self.folder, w) + "\n" for w in writes)
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            with self.path.open("a", encoding="utf-8") as spool:
                fcntl.flock(spool, fcntl.LOCK_EX)
                # A replay may have replaced the file while we waited: write to the current one.
                current = self.path.exists() and self.path.stat().st_ino
                if os.fstat(spool.fileno()).st_ino == current:
                    spool.write(lines)
                    spool.flush()
                    os.fsync(spool.fileno())
                    return

    def set_aside(self, *writes: PendingWrite, error: str = "unreachable") -> None:
        """Spool writes at once (the database just failed): later writes skip it for a while."""
        self.down_until = time.monotonic() + _DOWN_FOR_S
        self.append(*writes)
        _LOGGER.error("database unreachable; writes spooled",
                      extra={"ids": [w.id for w in writes], "error": error})

    def pending(self) -> list[PendingWrite]:
        """The writes waiting in every spool file of the folder, oldest first per file."""
        return [w for path in self._files() for w in _read(path)]

    def replay(self, db: Database, *, dead_after_s: float = 60.0) -> int:
        """Write the spooled records into the database, in order; keep those not written.

        Replays this instance's file and those of dead instances: owner lock free and
        heartbeat older than ``dead_after_s`` (or no owner file: a process that never served).
        A file another instance is replaying right now is skipped (its turn comes later).

        Returns:
            How many were written.

        Raises:
            OperationalError: The database is still unreachable (the rest is kept).
        """
        done = 0
        for path in self._files():
            if path == self.path:
                done += self._replay_locked(db, path)
                continue
            with self._dead_owner(path, dead_after_s) as dead:
                if dead:
                    _LOGGER.warning("replaying a dead instance's spool",
                                    extra={"spool": path.name, "by": self.name})
                    done += self._replay_locked(db, path)
        return done

    @contextlib.contextmanager
    def _dead_owner(self, path: Path, dead_after_s: float) -> Iterator[bool]:
        """Whether the file's instance is dead; its owner lock is held meanwhile, so that it
        cannot come back to its file halfway through our replay."""
        owner_path = path.with_suffix(_OWNER)
        try:
            owner = owner_path.open("r", encoding="utf-8")
        except FileNotFoundError:
            yield True
            return
        with owner:
            try:
                fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False  # alive on this host
                return
            age = time.time() - os.fstat(owner.fileno()).st_mtime
            # A free lock with a fresh heartbeat: alive on another host sharing the folder
            # (locks do not always cross hosts), or just died: its turn comes.
            yield age >= dead_after_s

    def _replay_locked(self, db: Database, path: Path) -> int:
        with locked_if_free(path) as spool:
            return 0 if spool is None else self._replay_file(db, path)

    def _replay_file(self, db: Database, path: Path) -> int:
        writes = _read(path)
        done = 0
        try:
            for write in writes:
                try:
                    with db.session() as session:
                        apply_write(session, write, replay=True)
                except UNREACHABLE:
                    raise
                except Exception as exc:  # kept aside, so one bad record blocks nothing
                    _reject(path, write, type(exc).__name__)
                done += 1
        finally:
            if done:
                _rewrite(path, writes[done:])
                ids = [w.id for w in writes[:done]]
                _LOGGER.warning("spooled writes replayed", extra={"count": done, "ids": ids})
        return done

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("*.jsonl")) if self.folder.is_dir() else []


@contextlib.contextmanager
def locked_if_free(path: Path) -> Iterator[TextIO | None]:
    """The file open for rewriting under its ``flock``; None when it is gone or another
    process holds the lock (whoever comes next does the work)."""
    try:
        handle = path.open("r+", encoding="utf-8")
    except FileNotFoundError:
        yield None
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        yield handle


def spooled_turns(spool: Spool, call_sid: str) -> list[Turn]:
    """The call's turns waiting in this instance's spool, as (unsaved) turn records: what the
    caller said while the database was away, for a conversation that reads its turns."""
    turns = []
    for write in _read(spool.path):
        if write.op == "turn" and write.call_sid == call_sid:
            values = write.fields
            turns.append(Turn(
                speaker=values["speaker"], text=values["text"], key=values["key"],
                started_at=aware(dt.datetime.fromisoformat(values["at"])),
            ))
    return turns


def _read(path: Path) -> list[PendingWrite]:
    try:
        with path.open(encoding="utf-8") as spool:
            return [PendingWrite(**open_line(path.parent, line)) for line in spool if line.strip()]
    except FileNotFoundError:
        return []


def _rewrite(path: Path, rest: list[PendingWrite]) -> None:
    """Replace the file (under its lock) by what is left of it."""
    fresh = path.with_suffix(".tmp")
    with fresh.open("w", encoding="utf-8") as spool:
        spool.writelines(seal_line(path.parent, w) + "\n" for w in rest)
        spool.flush()
        os.fsync(spool.fileno())
    fresh.replace(path)


def _reject(path: Path, write: PendingWrite, error: str) -> None:
    _LOGGER.error("spooled write rejected", extra={"write_id": write.id, "error": error})
    with path.with_suffix(_REJECTED).open("a", encoding="utf-8") as rejected:
        fcntl.flock(rejected, fcntl.LOCK_EX)
        rejected.write(seal_line(path.parent, write) + "\n")
        rejected.flush()
        os.fsync(rejected.fileno())


def _file_name(instance: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", instance)


_SPOOLS: dict[Path, Spool] = {}
_SPOOLS_LOCK = threading.Lock()


def spool_for(var_dir: Path, instance: str) -> Spool:
    """This instance's spool (one per process and folder: it remembers a database down)."""
    spool = Spool((var_dir / "spool").resolve(), instance)
    with _SPOOLS_LOCK:
        return _SPOOLS.setdefault(spool.path, spool)


def write_durably(db: Database, spool: Spool, *writes: PendingWrite) -> bool:
    """Write in one transaction, retrying a database that does not answer; else spool (blocking).

    Returns:
        True when written to the database, False when spooled for a later replay.
    """
    error = "recently unreachable"
    if time.monotonic() >= spool.down_until:
        for attempt in range(len(_BACKOFF_S) + 1):
            try:
                with db.session() as session:
                    for write in writes:
                        apply_write(session, write)
                return True
            except UNREACHABLE as exc:  # no traceback: it may quote a caller's words
                error = type(exc).__name__
                if attempt < len(_BACKOFF_S):
                    time.sleep(_BACKOFF_S[attempt])
    spool.set_aside(*writes, error=error)
    return False



# --- Encryption at rest (privacy) ---------------------------------------------------------
# Each spool line is one write as JSON, encrypted with the data key of the spool's data folder
# (`core.data_key`): a spool holds callers' words. Lines written before encryption (plain JSON)
# are still read. `transcripts.spool_retention` reads lines through `open_line` too.


def seal_line(folder: Path, write: PendingWrite) -> str:
    """One spool line: ``write`` as JSON, encrypted (the spool folder is ``<var>/spool``)."""
    plain = json.dumps(asdict(write), ensure_ascii=False).encode("utf-8")
    return str(cipher_for(var_dir=folder.parent).encrypt(plain).decode("ascii"))


def open_line(folder: Path, line: str) -> dict[str, Any]:
    """A spool line's write as a dict (decrypted when sealed)."""
    text = line.strip()
    if is_token(text):
        text = cipher_for(var_dir=folder.parent).decrypt(text.encode("ascii")).decode("utf-8")
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError("a spool line is not a write")
    return record
