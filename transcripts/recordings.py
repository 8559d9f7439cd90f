"""Where call recordings live: one WAV per call under ``<var>/recordings/``.

Recording is off unless the practice enables it (``recording.enabled``) and the caller agrees;
whoever writes a recording uses `recording_path`, and the retention purge deletes the files.
"""

from __future__ import annotations

import re
from pathlib import Path

RECORDINGS_FOLDER = "recordings"
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
