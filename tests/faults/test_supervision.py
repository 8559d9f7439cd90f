"""`standardiste run` supervises: a gateway or Rasa child killed with SIGKILL comes back (counted
in `/metrics`), `/healthz` answers again; stopping the parent stops every child, and a parent
killed outright takes its children with it (no orphan).

The parent is `standardiste.server.run_all` in its own process, with the real gateway child
(`standardiste serve`, packaged speech models, a SQLite file) and the stand-in Rasa process
(`tests.doubles.rasa_status`: loading the real one takes minutes here, at every restart).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core import PROJECT_ROOT
from standardiste.migrate import upgrade
from standardiste.supervisor import Backoff
from tests.support import API_TOKEN, AUTH_TOKEN, PUBLIC_BASE, free_port


class Supervised:
    """The supervising parent in a subprocess, and what its state file says."""

    def __init__(self, tmp_path: Path) -> None:
        self.var = tmp_path / "var"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        database = f"sqlite:///{tmp_path / 'supervised.db'}"
        upgrade(database)
        env = {k: v for k, v in os.environ.items()
               if k not in ("VOSK_MODEL_PATH", "PIPER_VOICE_PATH")}
        env.update(
            PYTHONPATH=str(PROJECT_ROOT),  # this checkout, for the children too
            DATABASE_URL=database,
            STANDARDISTE_VAR_DIR=str(self.var),
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            PUBLIC_BASE_URL=PUBLIC_BASE,
            STANDARDISTE_API_TOKEN=API_TOKEN,
            RASA_URL=f"http://127.0.0.1:{free_port()}",
            STANDARDISTE_PORT=str(self.port),
            VOSK_WARM_RECOGNIZERS="0",
        )
        self.log = (tmp_path / "supervisor.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.supervised_run"],
            env=env, cwd=PROJECT_ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads((self.var / "supervisor.json").read_text())
        except (OSError, ValueError):
            return {}
        return state

    def pids(self) -> dict[str, int | None]:
        children = self.state().get("children", {})
        return {name: child.get("pid") for name, child in children.items()}

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def until(
        self, condition: Callable[[], bool], what: str, limit_s: float = 120,
        *, parent_may_exit: bool = False,
    ) -> None:
        deadline = time.monotonic() + limit_s
        while not condition():
            if not parent_may_exit and self.process.poll() is not None:
                raise AssertionError(f"the supervisor exited; see {self.log.name}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {limit_s} s; see {self.log.name}")
            time.sleep(0.2)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Supervised]:
    running = Supervised(tmp_path)
    yield running
    running.close()


def _gone(pid: int) -> bool:
    """No process is left in the group ``pid`` led (each child leads its own)."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_killed_children_come_back_and_stopping_the_parent_stops_them(
    supervised: Supervised,
) -> None:
    supervised.until(supervised.healthy, "healthy")
    first = supervised.pids()
    assert first["gateway"] and first["rasa"]
    os.kill(first["gateway"], signal.SIGKILL)
    os.kill(first["rasa"], signal.SIGKILL)
    supervised.until(
        lambda: all(p and p != first[name] for name, p in supervised.pids().items()),
        "restarted",
    )
    supervised.until(supervised.healthy, "healthy again")
    metrics = httpx.get(f"{supervised.url}/metrics", timeout=5).text
    assert 'standardiste_process_restarts_total{process="gateway"} 1.0' in metrics
    assert 'standardiste_process_restarts_total{process="rasa"} 1.0' in metrics
    assert 'standardiste_process_up{process="rasa"} 1.0' in metrics
    log = Path(supervised.log.name).read_text(encoding="utf-8")
    assert "process died; restarting" in log and "signal SIGKILL" in log

    second = supervised.pids()
    supervised.process.send_signal(signal.SIGTERM)
    assert supervised.process.wait(timeout=60) == 0
    groups = [pid for pid in (*first.values(), *second.values()) if pid]
    # SIGKILL is sent before the parent exits; a loaded machine may take a moment to end them.
    supervised.until(lambda: all(_gone(pid) for pid in groups), "children gone", limit_s=30,
                     parent_may_exit=True)


def test_a_parent_killed_outright_takes_its_children_with_it(tmp_path: Path) -> None:
    # The same supervisor over two idle children: only the kernel's part is at stake here.
    code = (
        "import pathlib, sys\n"
        "from standardiste.supervisor import ChildSpec, Supervisor\n"
        "children = [ChildSpec(name, ['sleep', '300']) for name in ('gateway', 'rasa')]\n"
        "Supervisor(children, state_dir=pathlib.Path(sys.argv[1])).run()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=PROJECT_ROOT)
    state = tmp_path / "supervisor.json"
    try:
        deadline = time.monotonic() + 30
        children: list[int] = []
        while len(children) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            with contextlib.suppress(OSError, ValueError):
                found = json.loads(state.read_text())["children"].values()
                children = [c["pid"] for c in found if c["pid"]]
        assert len(children) == 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while not all(_gone(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_gone(pid) for pid in children)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_restarts_back_off_while_a_child_keeps_dying() -> None:
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 8)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
