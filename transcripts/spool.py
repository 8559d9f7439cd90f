"""Writes that outlive a few seconds without the database: retried, else spooled, then replayed.

A turn, an inbox message or a call's end that cannot be written (the database unreachable:
restarting, failing over, a network blip) is retried a few times with a short backoff; if it
still fails it is appended to this instance's spool, a JSON-lines file under ``<var>/spool/``
written with fsync, so the caller's request survives even if the process dies next. The
sweeper loop (`standardiste.sweeping`) replays the spool into the database once it answers.

Replaying is idempotent: a turn already present (same call, speaker, words and time) is not
added again, a message is left once per call and kind, and ending a call twice keeps the first
end. Each record carries a unique id, for the logs. The spool holds callers' words and
numbers: only ids and counts are logged.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from core import Database, cipher_for, is_token
from transcripts.calls import end_call, get_call, set_outcome
from transcripts.inbox import leave_message
from transcripts.models import MessageKind, Speaker, Urgency
from transcripts.summaries import CallerIdentity
from transcripts.turns import add_turn, caller_words, list_turns

_LOGGER = logging.getLogger(__name__)
UNREACHABLE = (OperationalError, InterfaceError)
"""What a database that does not answer raises (connection refused, reset, timed out)."""
_BACKOFF_S = (0.1, 0.3, 0.6)
"""Pauses between the attempts of one write: about a second in all, then the spool."""
_DOWN_FOR_S = 5.0
"""After a failed write, later ones go straight to the spool for this long: a caller waits
for one retry cycle, not one per line of the transcript."""


@dataclass(frozen=True)
class PendingWrite:
    """One write for a call: ``turn``, ``message``, ``outcome`` or ``end`` with its fields."""

    op: str
    call_sid: str
    fields: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def turn_write(
    call_sid: str, speaker: Speaker, text: str, key: str | None, at: dt.datetime
) -> PendingWrite:
    """A turn of the call's transcript."""
    return PendingWrite("turn", call_sid, {
        "speaker": speaker.value, "text": text, "key": key, "at": at.isoformat(),
    })


def message_write(
    call_sid: str,
    kind: MessageKind,
    identity: CallerIdentity,
    details: Mapping[str, Any],
    *,
    urgency: Urgency | None = None,
    with_said: bool = False,
) -> PendingWrite:
    """An inbox message, once per call and kind; ``with_said`` adds the caller's words as
    the transcript holds them when it is written (`caller_words`), ``said`` in its details."""
    return PendingWrite("message", call_sid, {
        "kind": kind.value,
        "last_name": identity.last_name,
        "first_name": identity.first_name,
        "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
        "callback_number": identity.callback_number,
        "details": dict(details),
        "urgency": urgency.value if urgency else None,
        "with_said": with_said,
    })


def outcome_write(call_sid: str, outcome: str) -> PendingWrite:
    """How the call went."""
    return PendingWrite("outcome", call_sid, {"outcome": outcome})


def end_write(call_sid: str, outcome: str) -> PendingWrite:
    """The call's end, from our side."""
    return PendingWrite("end", call_sid, {"outcome": outcome})


def apply_write(session: Session, write: PendingWrite, *, replay: bool = False) -> None:
    """Apply one write; a write for an unknown call is dropped.

    Args:
        session: The database session (the caller commits).
        write: What to write.
        replay: From the spool: a turn already there (its first try committed after all) is
            not added twice. Messages and ends are idempotent anyway.
    """
    values = write.fields
    if get_call(session, write.call_sid) is None:
        _LOGGER.warning("write for an unknown call dropped", extra={"write_id": write.id})
    elif write.op == "turn":
        at = _aware(dt.datetime.fromisoformat(values["at"]))
        speaker, text, key = Speaker(values["speaker"]), values["text"], values["key"]
        if not replay or not any(
            (t.speaker, t.text, t.key) == (speaker.value, text, key) and _aware(t.started_at) == at
            for t in list_turns(session, write.call_sid)
        ):
            add_turn(session, call_sid=write.call_sid, speaker=speaker, text=text, key=key,
                     started_at=at)
    elif write.op == "message":
        details = dict(values["details"])
        if values["with_said"]:
            details["said"] = caller_words(session, write.call_sid)
        born = values["birth_date"]
        identity = CallerIdentity(
            last_name=values["last_name"],
            first_name=values["first_name"],
            birth_date=dt.date.fromisoformat(born) if born else None,
            callback_number=values["callback_number"] or get_call(session, write.call_sid)
            .caller,  # type: ignore[union-attr]  # checked above
        )
        urgency = values["urgency"]
        leave_message(session, call_sid=write.call_sid, kind=MessageKind(values["kind"]),
                      identity=identity, details=details,
                      urgency=Urgency(urgency) if urgency else None, once_per_call=True)
    elif write.op == "outcome":
        set_outcome(session, call_sid=write.call_sid, outcome=values["outcome"])
    elif write.op == "end":
        end_call(session, call_sid=write.call_sid, outcome=values["outcome"])
    else:
        raise ValueError(f"unknown spooled write {write.op!r}")


class Spool:
    """The spool of one gateway instance: a file of its own, under ``<var>/spool/``.

    Files are locked (``flock``) while appended to or replayed, so that every instance sharing
    the folder may replay any file, a dead instance's included (its name held its process id).
    """

    def __init__(self, folder: Path, instance: str) -> None:
        self.folder = folder
        self.path = folder / (re.sub(r"[^A-Za-z0-9._-]", "_", instance) + ".jsonl")
        self.down_until = 0.0
        """Until then (monotonic clock), writes skip the database and go to the spool."""

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

    def pending(self) -> list[PendingWrite]:
        """The writes waiting in every spool file of the folder, oldest first per file."""
        return [w for path in self._files() for w in _read(path)]

    def replay(self, db: Database) -> int:
        """Write the spooled records into the database, in order; keep those not written.

        A file another instance is replaying right now is skipped (its turn comes later).

        Returns:
            How many were written.

        Raises:
            OperationalError: The database is still unreachable (the rest is kept).
        """
        done = 0
        for path in self._files():
            with path.open("r+", encoding="utf-8") as spool:
                try:
                    fcntl.flock(spool, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                done += self._replay_file(db, path)
        return done

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
    with path.with_suffix(".rejected").open("a", encoding="utf-8") as rejected:
        rejected.write(seal_line(path.parent, write) + "\n")
        rejected.flush()
        os.fsync(rejected.fileno())


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
    spool.down_until = time.monotonic() + _DOWN_FOR_S
    spool.append(*writes)
    _LOGGER.error("database unreachable; writes spooled",
                  extra={"ids": [w.id for w in writes], "error": error})
    return False


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


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
