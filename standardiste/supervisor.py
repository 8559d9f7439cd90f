"""`standardiste run`'s parent process: it starts the gateway and Rasa as children, restarts one
that dies, and lets none outlive it.

A native crash in one gateway process (a segfault in a speech library) must not leave the
practice without a phone line until someone notices: the parent does nothing but watch, so
nothing in it can crash with the gateway. Each child runs in its own process group (the parent
stops a child with whatever it started) and is told by the kernel to die with the parent
(``PR_SET_PDEATHSIG``), so a killed parent leaves no orphan either.

A child that dies is restarted after a back-off (1 s, doubling to 30 s; back to 1 s once a child
stayed up a minute), logged, and counted: the parent keeps the counts in ``<var>/supervisor.json``,
which the gateway's ``/metrics`` reads (`SupervisorCollector`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

_LOGGER = logging.getLogger(__name__)
STATE_FILE = "supervisor.json"
_PR_SET_PDEATHSIG = 1
_POLL_S = 0.2


@dataclass(frozen=True)
class ChildSpec:
    """A process the supervisor keeps running."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    stop_grace_s: float = 10.0
    """SIGTERM, then SIGKILL after this long (Rasa does not always stop on SIGTERM)."""


@dataclass(frozen=True)
class Backoff:
    """Delays between restarts of one child: ``first`` doubling to ``most``; reset to ``first``
    once a child stayed up ``stable_s``."""

    first_s: float = 1.0
    most_s: float = 30.0
    stable_s: float = 60.0

    def delay(self, failures: int) -> float:
        """The delay before the restart after ``failures`` quick deaths in a row (≥ 1)."""
        return float(min(self.most_s, self.first_s * 2 ** max(0, failures - 1)))


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures: int = 0
    """Deaths in a row, each soon after its start (they lengthen the back-off)."""
    restart_at: float | None = None
    last_exit: int | None = None


def _die_with_parent(parent: int) -> Callable[[], None]:
    """Runs in the child between fork and exec: SIGKILL when the parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only makes the call

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class Supervisor:
    """Runs children until stopped (SIGTERM, SIGINT, SIGHUP or `stop`); see the module docstring.

    Args:
        children: What to run.
        state_dir: Where ``supervisor.json`` is kept (the var folder).
        backoff: Restart delays.
    """

    def __init__(
        self,
        children: Iterable[ChildSpec],
        *,
        state_dir: Path,
        backoff: Backoff | None = None,
    ) -> None:
        self._children = [_Child(spec) for spec in children]
        self._state = state_dir / STATE_FILE
        self._backoff = backoff or Backoff()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to stop every child and return (safe from a signal handler)."""
        self._stopping.set()

    def run(self) -> int:
        """Start the children, keep them running until stopped, stop them; the exit status."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        }
        try:
            for child in self._children:
                self._start(child)
            while not self._stopping.wait(_POLL_S):
                self._watch()
        finally:
            for child in reversed(self._children):
                self._stop(child)
            self._write_state()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        _LOGGER.info("stopping", extra={"signal": signal.Signals(signum).name})
        self._stopping.set()

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self._children:
            process = child.process
            if process is not None and process.poll() is not None:
                self._died(child, process.returncode, now)
            elif process is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)

    def _died(self, child: _Child, code: int, now: float) -> None:
        uptime = now - child.started_at
        # Whatever the child left in its group (a worker of its own) goes with it.
        _kill_group(child, signal.SIGKILL)
        child.process, child.last_exit = None, code
        child.failures = 1 if uptime >= self._backoff.stable_s else child.failures + 1
        delay = self._backoff.delay(child.failures)
        child.restart_at = now + delay
        _LOGGER.error(
            "process died; restarting",
            extra={
                "child": child.spec.name,
                "exit": _describe_exit(code),
                "uptime_s": round(uptime, 1),
                "restart_in_s": delay,
            },
        )
        self._write_state()

    def _start(self, child: _Child) -> None:
        spec = child.spec
        child.process = subprocess.Popen(
            list(spec.command),
            env=dict(spec.env) if spec.env is not None else None,
            cwd=spec.cwd,
            # Its own group: Ctrl-C in the terminal reaches it through us, and stopping it
            # stops whatever it started.
            start_new_session=True,
            # Unsafe beside threads, and this process runs none.
            preexec_fn=_die_with_parent(os.getpid()),
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        _LOGGER.info(
            "process started", extra={"child": spec.name, "pid": child.process.pid}
        )
        self._write_state()

    def _stop(self, child: _Child) -> None:
        process = child.process
        if process is None:
            return
        if process.poll() is None:
            _kill_group(child, signal.SIGTERM)
            try:
                process.wait(timeout=child.spec.stop_grace_s)
            except subprocess.TimeoutExpired:
                _LOGGER.warning("process did not stop; killed", extra={"child": child.spec.name})
        _kill_group(child, signal.SIGKILL)
        process.wait()
        child.process = None
        _LOGGER.info("process stopped", extra={"child": child.spec.name})

    def _write_state(self) -> None:
        """The counts `/metrics` shows, and the children's pids (the tests', an operator's)."""
        state = {
            "pid": os.getpid(),
            "children": {
                child.spec.name: {
                    "pid": child.process.pid if child.process is not None else None,
                    "restarts": child.restarts,
                    "last_exit": child.last_exit,
                    "up": child.process is not None,
                }
                for child in self._children
            },
        }
        try:
            self._state.parent.mkdir(parents=True, exist_ok=True)
            fresh = self._state.with_suffix(".tmp")
            fresh.write_text(json.dumps(state), encoding="utf-8")
            fresh.replace(self._state)
        except OSError as exc:  # supervision goes on without its counts
            _LOGGER.warning("supervisor state not written", extra={"error": str(exc)})


def _kill_group(child: _Child, signum: int) -> None:
    process = child.process
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"


def read_state(var_dir: Path) -> dict[str, Any] | None:
    """The supervisor's state file, when this process runs under a live supervisor."""
    try:
        state = json.loads((var_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


class SupervisorCollector(Collector):
    """``standardiste_process_restarts_total`` and ``standardiste_process_up`` per supervised
    process, read from the supervisor's state file at each scrape (the supervisor itself serves
    no HTTP). Nothing when this gateway is not its child (``standardiste serve`` alone)."""

    def __init__(self, var_dir: Path) -> None:
        self._var_dir = var_dir

    def collect(self) -> Iterable[CounterMetricFamily | GaugeMetricFamily]:
        """The samples, or none."""
        state = read_state(self._var_dir)
        if state is None or state.get("pid") != os.getppid():
            return []
        restarts = CounterMetricFamily(
            "standardiste_process_restarts",
            "Restarts of a process under `standardiste run` (it died: crash, kill).",
            labels=["process"],
        )
        up = GaugeMetricFamily(
            "standardiste_process_up", "Whether a supervised process runs.", labels=["process"]
        )
        for name, child in sorted((state.get("children") or {}).items()):
            restarts.add_metric([name], float(child.get("restarts") or 0))
            up.add_metric([name], 1.0 if child.get("up") else 0.0)
        return [restarts, up]
