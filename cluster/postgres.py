"""A local PostgreSQL server from Debian's binaries (the cluster, the tests and the benchmarks).

PostgreSQL refuses to run as root, so when we are root the server runs as the ``postgres``
system user through ``runuser``. The data folder is either a throwaway temporary directory
(tests, benchmarks: deleted on stop) or a kept one (the cluster's ``var/cluster/postgres``,
created with ``initdb`` on first use).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from core import free_port

PG_BIN = Path(os.environ.get("STANDARDISTE_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"



class PostgresServer:
    """One PostgreSQL server on 127.0.0.1, its socket and data under ``root``.

    Args:
        root: The folder that holds ``data/``, the socket and the log; a temporary folder
            (deleted by `stop`) when None.
        port: The TCP port; a free one when None.
        durable: Keep fsync and synchronous commits (benchmarks, the cluster); throwaway test
            servers turn them off.
        max_connections: PostgreSQL's ``max_connections``.
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        port: int | None = None,
        durable: bool = False,
        max_connections: int = 200,
    ) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(
                f"PostgreSQL binaries not found in {PG_BIN} (`make test` installs `postgresql`)"
            )
        self.durable = durable
        self.max_connections = max_connections
        self.port = port or free_port()
        self._temporary = root is None
        self.root = Path(tempfile.mkdtemp(prefix="standardiste-pg-")) if root is None else root
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam(PG_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", PG_USER, "--"]
        self.root.chmod(0o700)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def initdb(self) -> bool:
        """Create the database cluster unless it exists; True when it was created."""
        if (self.data / "PG_VERSION").exists():
            return False
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            PG_USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        return True

    def options(self) -> list[str]:
        """The server's command-line settings: loopback only, socket in ``root``."""
        options = [
            f"-p {self.port}",
            f"-k {self.root}",
            "-c listen_addresses=127.0.0.1",
            f"-c max_connections={self.max_connections}",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        return options

    def spawn(self) -> subprocess.Popen[bytes]:
        """Run the server in the foreground, in a session of its own (for a process manager).

        The server is our direct child, without ``runuser`` in between, so that the signal
        chosen by the caller (SIGINT: fast shutdown) reaches it unchanged.
        """
        flags = " ".join(self.options()).split()
        command = [str(PG_BIN / "postgres"), "-D", str(self.data), *flags]
        if os.geteuid() != 0:
            return subprocess.Popen(command, start_new_session=True)
        account = pwd.getpwnam(PG_USER)
        return subprocess.Popen(
            command,
            user=account.pw_uid,
            group=account.pw_gid,
            extra_groups=[],
            env={**os.environ, "HOME": account.pw_dir, "USER": PG_USER},
            start_new_session=True,
        )

    def start(self) -> None:
        """Create the cluster if needed and start the server; waits until it accepts connections."""
        self.initdb()
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(self.options()),
            "start",
        )

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def accepts_connections(self) -> bool:
        """True when the server answers on its port."""
        try:
            with psycopg.connect(self._dsn("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name: str, *, exist_ok: bool = False) -> str:
        """Create an empty database (unless it exists and ``exist_ok``); return its URL."""
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if found is None or not exist_ok:
                conn.execute(f'CREATE DATABASE "{name}"')  # name comes from our own code
        return self.url(name)

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={PG_USER} dbname={database}"

    def stop(self) -> None:
        """Stop the server (fast shutdown); a temporary folder is deleted with it."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            if self._temporary:
                shutil.rmtree(self.root, ignore_errors=True)
