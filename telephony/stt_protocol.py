"""The pipe protocol between the gateway and a recognition worker process.

Frames both ways: a fixed header (operation, call, request, payload length) and the payload.
Audio goes as raw 8 kHz 16-bit PCM in the batches the gateway buffers anyway (~100 ms), so a
call costs the pipes about ten small writes a second; results come back as short JSON or text.
"""

from __future__ import annotations

import json
import struct
from enum import IntEnum
from typing import IO, NamedTuple


class Op(IntEnum):
    """What a frame asks or answers."""

    OPEN = 1
    """Gateway → worker: a call starts (pinned to this worker)."""
    FEED = 2
    """Gateway → worker: audio of the utterance in progress; answered by UPDATE."""
    FINISH = 3
    """Gateway → worker: the utterance's last audio; answered by TEXT."""
    CLOSE = 4
    """Gateway → worker: the call is over, its recognizer goes back to the pool."""
    WARM = 5
    """Gateway → worker: warm recognizers up (4-byte count, then speech PCM)."""
    CATCH_UP = 6
    """Gateway → worker: audio of the utterance in progress, to decode now (the caller paused),
    ahead of other calls' feeding; answered by UPDATE."""
    READY = 10
    """Worker → gateway: the model is loaded (JSON: pid)."""
    UPDATE = 11
    """Worker → gateway: partial/final words (JSON), or nothing when only buffered."""
    TEXT = 12
    """Worker → gateway: an utterance's text (UTF-8)."""
    FAILED = 13
    """Worker → gateway: a request failed (its error, UTF-8)."""


HEADER = struct.Struct("<BIII")


class Frame(NamedTuple):
    """One message."""

    op: Op
    call: int = 0
    request: int = 0
    payload: bytes = b""


def encode(op: Op, call: int = 0, request: int = 0, payload: bytes = b"") -> bytes:
    """One frame's bytes."""
    return HEADER.pack(op, call, request, len(payload)) + payload


def read_frame(stream: IO[bytes]) -> Frame | None:
    """The next frame (blocking), or None once the other side closed the pipe."""
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    op, call, request, size = HEADER.unpack(header)
    payload = _read_exactly(stream, size) if size else b""
    if payload is None:
        return None
    return Frame(Op(op), call, request, payload)


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = stream.read(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def encode_update(partial: str, final: str | None) -> bytes:
    """An UPDATE payload."""
    return json.dumps({"partial": partial, "final": final}).encode()


def decode_update(payload: bytes) -> tuple[str, str | None] | None:
    """(partial, final) from an UPDATE payload, or None when the worker only buffered."""
    if not payload:
        return None
    value = json.loads(payload)
    final = value.get("final")
    return str(value.get("partial") or ""), (str(final) if final is not None else None)
