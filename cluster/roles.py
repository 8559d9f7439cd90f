"""The Procfile's entries that need more than one command: each waits for what it depends on.

honcho starts every process at once; these wrappers give the start-up its order without a
protocol of their own: the gateways start once the database is at the latest migration. ``db``
runs PostgreSQL in the foreground, creates the databases and migrates the gateways' one, exactly
once per start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType

import dialogue
from cluster.settings import ClusterSettings
from cluster.topology import GATEWAY_DB, RASA_DB, database_url, postgres_server
from core import Settings
from standardiste import alembic_config, upgrade

WAIT_S = 180.0


def _wait(what: str, ready: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster: {what} not ready after {timeout:.0f} s")
        time.sleep(0.5)
    print(f"cluster: {what} ready", flush=True)


def run_db(cluster: ClusterSettings) -> int:
    """PostgreSQL in the foreground; its databases created and the gateways' one migrated."""
    server = postgres_server(cluster)
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGINT)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if server.initdb():
        print(f"cluster: PostgreSQL cluster created in {server.data}", flush=True)
    if stopping:
        return 0
    # Its own session: honcho's SIGTERM to our group would ask for a "smart" shutdown, which
    # waits for every client; we turn any stop request into a fast one (SIGINT).
    postgres = server.spawn()
    children.append(postgres)
    try:
        _wait("PostgreSQL", lambda: postgres.poll() is not None or server.accepts_connections())
        if postgres.poll() is None:
            server.create_database(GATEWAY_DB, exist_ok=True)
            server.create_database(RASA_DB, exist_ok=True)
            upgrade(database_url(cluster))
            print("cluster: database migrated", flush=True)
    except BaseException:
        _stop(signal.SIGTERM, None)
        postgres.wait()
        raise
    return postgres.wait()


def _migrated(url: str) -> bool:
    """True when the database answers and is at the latest migration."""
    import sqlalchemy as sa
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def run_gateway(cluster: ClusterSettings, port: int) -> None:
    """Wait for the migrated database, then become ``standardiste serve`` on ``port``.

    Rasa is not waited for: a gateway answers without it (callers hear the fallback, `/healthz`
    says 503), and on two cores the gateways load their speech engines on the core that Rasa,
    loading its model in one thread, leaves free.
    """
    _wait("database schema", lambda: _migrated(database_url(cluster)))
    command = [sys.executable, "-m", "standardiste", "serve", "--host", "127.0.0.1"]
    os.execv(sys.executable, [*command, "--port", str(port)])  # noqa: S606 (fixed command)


def run_rasa(command: list[str]) -> None:
    """Become the Rasa server, in its environment.

    It starts at once, without waiting for PostgreSQL: loading TensorFlow and the model takes
    longer than creating the databases, and Rasa's SQL tracker store retries its connection
    every 5 s until the ``rasa`` database exists. Redis is only reached on the first message.
    """
    # The API token derives from STANDARDISTE_SECRET_KEY, in the Procfile's environment.
    env = dialogue.rasa_env(Settings())
    os.execve(command[0], command, env)  # noqa: S606 (from the Procfile)
