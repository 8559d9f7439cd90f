"""Where call recordings live: one WAV per call under ``<var>/recordings/``.

Recording is off unless the practice enables it (``recording.enabled``) and the caller agrees;
the caller's answer goes into the call record (`record_consent`), whoever writes a recording
uses `recording_path` (and `partial_path` while the call lasts), and the retention purge
deletes the files, finished or not.

A finished recording is encrypted with the data key (`seal_recording`, Fernet: authenticated),
so a copied disk yields no voice; `read_recording` gives the WAV back to the staff page. The
partial file of a call in progress is plain WAV until the call ends (a crash leaves it for the
retention purge). Files from before encryption was on are read as they are.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.orm import Session

from core import cipher_for, is_token
from transcripts.calls import get_call

RECORDINGS_FOLDER = "recordings"
PARTIAL_SUFFIX = ".part"
"""A recording still being written (or left behind by a crash) is ``<CallSid>.wav.part``."""
_SAFE_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def recordings_dir(var_dir: Path) -> Path:
    """The folder holding every recording."""
    return var_dir / RECORDINGS_FOLDER


def recording_path(var_dir: Path, call_sid: str) -> Path:
    """The WAV file of a call (whether or not it exists).

    Raises:
        ValueError: the call id could escape the folder (it is used as a file name).
    """
    if not _SAFE_SID.match(call_sid):
        raise ValueError("not a call id")
    return recordings_dir(var_dir) / f"{call_sid}.wav"


def existing_recording(var_dir: Path, call_sid: str | None) -> Path | None:
    """The call's recording when there is one."""
    if not call_sid:
        return None
    try:
        path = recording_path(var_dir, call_sid)
    except ValueError:
        return None
    return path if path.is_file() else None


def partial_path(var_dir: Path, call_sid: str) -> Path:
    """Where a call's recording is written until the call ends (then renamed in one step).

    Raises:
        ValueError: the call id could escape the folder.
    """
    final = recording_path(var_dir, call_sid)
    return final.with_name(final.name + PARTIAL_SUFFIX)


def record_consent(session: Session, *, call_sid: str, consent: bool) -> bool:
    """Store the caller's answer to the recording question (False unless a clear yes).

    Returns:
        False when the call record is unknown.
    """
    call = get_call(session, call_sid)
    if call is None:
        return False
    call.recording_consent = consent
    return True


def _var_dir_of(path: Path) -> Path:
    return path.parent.parent  # <var>/recordings/<file>


def seal_recording(partial: Path, final: Path) -> None:
    """Encrypt a finished recording into its final place (atomically) and remove the plain one.

    Raises:
        OSError: the disk refused (the caller keeps the call going; the recording is lost).
    """
    cipher = cipher_for(var_dir=_var_dir_of(final))
    sealed = cipher.encrypt(partial.read_bytes())
    staging = final.with_name(final.name + ".sealing")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(sealed)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, final)
    partial.unlink(missing_ok=True)


def read_recording(path: Path) -> bytes:
    """The WAV of a recording, decrypted (a file from before encryption: as it is)."""
    data = path.read_bytes()
    if not is_token(data):
        return data
    return bytes(cipher_for(var_dir=_var_dir_of(path)).decrypt(data))
