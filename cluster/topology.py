"""What the cluster runs: the generated files (Procfile, nginx.conf, Rasa's endpoints.yml) and
the environment every process shares.

One PostgreSQL server holds two databases: ``standardiste`` (the gateways') and ``rasa`` (Rasa's
tracker store). Redis holds Rasa's conversation locks. Rasa's actions go through nginx like any
client, so they reach whichever gateway is alive.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

import dialogue
from cluster import nginx
from cluster.postgres import PostgresServer
from cluster.settings import ClusterSettings
from core import Settings, data_keys

GATEWAY_DB = "standardiste"
RASA_DB = "rasa"
REDIS_LOCK_DB = 1
REDIS_SERVER = "redis-server"


def database_url(cluster: ClusterSettings, name: str = GATEWAY_DB) -> str:
    """The SQLAlchemy URL of one of the cluster's databases."""
    return f"postgresql+psycopg://postgres@127.0.0.1:{cluster.postgres_port}/{name}"


def redis_url(cluster: ClusterSettings) -> str:
    """The Redis database holding Rasa's locks."""
    return f"redis://127.0.0.1:{cluster.redis_port}/{REDIS_LOCK_DB}"


def postgres_server(cluster: ClusterSettings) -> PostgresServer:
    """The cluster's PostgreSQL server (data kept under the cluster folder, fsync on)."""
    return PostgresServer(cluster.dir / "postgres", port=cluster.postgres_port, durable=True)


def cluster_environment(cluster: ClusterSettings) -> dict[str, str]:
    """``STANDARDISTE_CLUSTER_*``: how the processes of the cluster find each other's settings."""
    values = cluster.model_dump()
    return {f"STANDARDISTE_CLUSTER_{name.upper()}": str(value) for name, value in values.items()}


def _secret_key(settings: Settings, folder: Path) -> str:
    """The key every instance must share: the configured one, else one kept in the folder."""
    if settings.standardiste_secret_key is not None:
        return settings.standardiste_secret_key.get_secret_value()
    path = folder / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Plan:
    """The generated Procfile and the environment its processes run with."""

    procfile: Path
    env: dict[str, str]
    processes: dict[str, str]


def prepare(cluster: ClusterSettings, settings: Settings) -> Plan:
    """Write the cluster's files (training the Rasa model first if its inputs changed).

    Args:
        cluster: The cluster's shape and ports.
        settings: The gateway settings the cluster starts from (Twilio, practice file, Rasa's
            environment and model folder); the database, Rasa URL and secret key are replaced.

    Returns:
        The Procfile to hand to honcho and the environment to run it with.
    """
    folder = cluster.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    # PostgreSQL and nginx's workers run as other accounts and must reach their sub-folders.
    folder.chmod(0o755)
    (folder / "redis").mkdir(exist_ok=True)
    key = _secret_key(settings, folder)
    shared = settings.model_copy(
        update={
            "database_url": database_url(cluster),
            "standardiste_secret_key": SecretStr(key),
        }
    )
    model = dialogue.ensure_model(settings.rasa_venv, settings.rasa_model_dir)
    endpoints = dialogue.write_endpoints(
        folder / "rasa" / "endpoints.yml",
        action_url=f"{cluster.base_url}/dialogue/webhook",
        action_token=dialogue.action_token(shared),
        tracker_db=database_url(cluster, RASA_DB),
        lock_store=redis_url(cluster),
    )
    nginx.write_config(
        folder / "nginx", port=cluster.port, gateway_ports=list(cluster.gateway_ports().values())
    )
    python = shlex.quote(sys.executable)
    processes = {
        "postgres": f"exec {python} -m cluster db",
        "redis": "exec "
        + shlex.join(
            [
                REDIS_SERVER,
                "--bind", "127.0.0.1",
                "--port", str(cluster.redis_port),
                "--dir", str(folder / "redis"),
                # Locks only live as long as a turn: nothing to keep on disk.
                "--save", "",
                "--appendonly", "no",
            ]
        ),
    }
    for name, port in cluster.rasa_ports().items():
        rasa = dialogue.server_command(settings.rasa_venv, model, endpoints, port=port)
        processes[name] = f"exec {python} -m cluster rasa -- {shlex.join(rasa)}"
    for name, port in cluster.gateway_ports().items():
        processes[name] = (
            f"STANDARDISTE_INSTANCE={name} exec {python} -m cluster gateway --port {port}"
        )
    processes["nginx"] = "exec " + shlex.join(nginx.command(folder / "nginx"))
    procfile = folder / "Procfile"
    header = "# Generated by `make run-cluster` (cluster/topology.py): rewritten at each start.\n"
    body = "".join(f"{name}: {command}\n" for name, command in processes.items())
    procfile.write_text(header + body, encoding="utf-8")
    env = {
        **cluster_environment(cluster),
        "DATABASE_URL": database_url(cluster),
        "RASA_URL": cluster.rasa_url,
        "RASA_URLS": ",".join(cluster.rasa_urls),
        # The gateways purge and erase Rasa's trackers (retention, patient erasure).
        "RASA_TRACKER_STORE": database_url(cluster, RASA_DB),
        "STANDARDISTE_SECRET_KEY": key,
        # One data key for every gateway: each decrypts what another encrypted.
        "STANDARDISTE_DATA_KEY": ",".join(data_keys(settings)),
        "PYTHONUNBUFFERED": "1",
    }
    return Plan(procfile=procfile, env=env, processes=processes)
