"""Free loopback ports for the processes a test, a benchmark or the local cluster starts."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# How far below the ephemeral range to look: wide enough that two pytest workers rarely draw
# the same port, narrow enough to stay clear of well-known services' low ports.
SPAN = 12000


def _ephemeral_floor() -> int:
    """The lowest port the kernel gives outgoing connections (Linux's default where unreadable)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A loopback TCP port nobody listens on, below the kernel's ephemeral range.

    Not what binding port 0 gives: a Rasa server binds its port only once its model is loaded,
    a minute or two later, and meanwhile any outgoing connection on the machine may be handed a
    port of the ephemeral range, that very one included (CI saw « address already in use »).
    """
    floor = _ephemeral_floor()
    low = max(1024, floor - SPAN)
    if floor - low >= 1000:
        for _ in range(200):
            port = low + secrets.randbelow(floor - low)
            if _bindable(port):
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports (as `free_port` chooses them)."""
    for _ in range(50):
        first = free_port()
        if all(_bindable(port) for port in range(first, first + count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports")
