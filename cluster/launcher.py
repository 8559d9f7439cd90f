"""Starting and stopping the whole cluster: `make run-cluster`, and a handle for tests and
benchmarks.

honcho runs the generated Procfile: it prefixes each process's output with its name, and when one
process exits or Ctrl-C is pressed it stops them all (SIGTERM, then SIGKILL after 5 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from cluster.settings import ClusterSettings
from cluster.topology import cluster_environment, database_url, prepare
from core import PROJECT_ROOT, Settings


def honcho_command(procfile: Path) -> list[str]:
    """honcho on the generated Procfile; ``-e /dev/null``: the environment is ours, not `.env`'s
    (whose single-server DATABASE_URL would win over the cluster's)."""
    return [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-e", os.devnull]


def run(cluster: ClusterSettings, settings: Settings) -> None:
    """Write the cluster's files, then become honcho (Ctrl-C stops every process)."""
    os.chdir(PROJECT_ROOT)  # a relative STANDARDISTE_CLUSTER_DIR means the same to every process
    plan = prepare(cluster, settings)
    gateways = ", ".join(f"{name} :{port}" for name, port in cluster.gateway_ports().items())
    rasas = ", ".join(f"{name} :{port}" for name, port in cluster.rasa_ports().items())
    print(
        f"cluster: nginx {cluster.base_url} → gateways {gateways}; Rasa {rasas}; "
        f"PostgreSQL :{cluster.postgres_port}; Redis :{cluster.redis_port}; "
        f"files in {cluster.dir} (Ctrl-C stops everything)",
        flush=True,
    )
    env = {**os.environ, **plan.env}
    command = honcho_command(plan.procfile)
    os.execve(command[0], command, env)  # noqa: S606 (our own fixed command line)


class Cluster:
    """The cluster as a child process tree, for tests and benchmarks.

    Args:
        cluster: Its shape and ports (free ports and a temporary folder, in tests).
        env: Extra environment for every process (e.g. the Twilio token and public URL).
        log: Where honcho's combined output goes.
    """

    def __init__(
        self, cluster: ClusterSettings, *, env: dict[str, str] | None = None, log: Path
    ) -> None:
        self.settings = cluster
        self.env = env or {}
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """nginx's address."""
        return self.settings.base_url

    @property
    def pid(self) -> int | None:
        """honcho's process id while the cluster runs."""
        return self._process.pid if self._process is not None else None

    @property
    def database_url(self) -> str:
        """The gateways' database."""
        return database_url(self.settings)

    def start(self, timeout: float = 300.0) -> None:
        """Start every process and wait until each gateway reports itself healthy."""
        env = {**os.environ, **self.env, **cluster_environment(self.settings)}
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "cluster", "run"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self, timeout: float) -> None:
        urls = [
            f"http://127.0.0.1:{port}/healthz"
            for port in self.settings.gateway_ports().values()
        ] + [f"{self.base_url}/healthz"]
        deadline = time.monotonic() + timeout
        pending = list(urls)
        while pending:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"the cluster stopped during start-up; see {self.log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy in {timeout:.0f} s: {pending}; see {self.log}")
            try:
                if httpx.get(pending[0], timeout=5).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(1.0)

    def stop(self, timeout: float = 60.0) -> int | None:
        """Stop everything as Ctrl-C would; returns honcho's exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._process = None
        return process.returncode

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
