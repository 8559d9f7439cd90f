"""CPU priority of worker threads, so the work a caller is waiting for runs first.

On Linux ``nice`` applies per thread: the threads doing work with slack (decoding a caller
who is still speaking, synthesising the rest of a reply already playing) are niced, and the
cores go first to the work that ends a caller's wait. An unprivileged thread cannot raise its
priority back, so each kind of work has threads of its own.
"""

from __future__ import annotations

import contextlib
import os
import threading


def lower_priority(niceness: int) -> None:
    """Lower the calling thread's CPU priority by ``niceness`` (0: unchanged)."""
    if niceness > 0:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
