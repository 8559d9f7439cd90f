"""The cluster's generated files, without starting anything: nginx accepts its configuration,
Rasa's endpoints name the PostgreSQL tracker store and the Redis lock store, the Procfile runs
every process with the environment that ties them together."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import cluster
from tests.support import make_settings


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="standardiste-topology-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_prepare_writes_a_working_topology(folder: Path) -> None:
    shape = cluster.ClusterSettings.on_free_ports(folder, gateways=3)
    plan = cluster.prepare(shape, make_settings(folder, standardiste_secret_key=None))

    assert list(plan.processes) == [
        "postgres", "redis", "rasa1", "rasa2", "gw1", "gw2", "gw3", "nginx"
    ]
    for name, port in shape.rasa_ports().items():
        assert f"--port {port}" in plan.processes[name]
    for name, port in shape.gateway_ports().items():
        assert f"STANDARDISTE_INSTANCE={name} " in plan.processes[name]
        assert f"--port {port}" in plan.processes[name]
    assert plan.procfile.read_text().count("\n") == 1 + len(plan.processes)
    assert plan.env["DATABASE_URL"] == cluster.database_url(shape)
    assert plan.env["RASA_URL"] == f"http://127.0.0.1:{shape.rasa_port}"
    # Every gateway knows every replica, in the same order (the same replica per conversation).
    assert plan.env["RASA_URLS"] == ",".join(
        f"http://127.0.0.1:{shape.rasa_port + i}" for i in range(shape.rasas)
    )
    assert len(plan.env["STANDARDISTE_SECRET_KEY"]) == 64
    assert plan.env["STANDARDISTE_CLUSTER_GATEWAYS"] == "3"

    endpoints = yaml.safe_load((folder / "rasa" / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["url"] == f"{shape.base_url}/dialogue/webhook"
    # The action token rides in a header (query strings reach access logs); owner-only file.
    assert "token" not in endpoints["action_endpoint"]
    assert endpoints["action_endpoint"]["headers"]["Authorization"].startswith("Bearer ")
    assert (folder / "rasa" / "endpoints.yml").stat().st_mode & 0o077 == 0
    assert plan.env["RASA_TRACKER_STORE"] == cluster.database_url(shape, cluster.RASA_DB)
    assert plan.env["STANDARDISTE_DATA_KEY"].startswith("gAAAAA") is False
    assert len(plan.env["STANDARDISTE_DATA_KEY"].split(",")[0]) == 44
    assert endpoints["tracker_store"] == {
        "type": "SQL", "dialect": "postgresql", "url": "127.0.0.1",
        "port": shape.postgres_port, "db": cluster.RASA_DB, "username": "postgres",
        "password": "",
    }
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "127.0.0.1", "port": shape.redis_port, "db": 1,
        "key_prefix": "standardiste",
    }

    config = folder / "nginx" / "nginx.conf"
    text = config.read_text()
    for port in shape.gateway_ports().values():
        assert f"server 127.0.0.1:{port} max_fails=2" in text
    checked = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(config.parent), "-c", str(config),
         "-e", str(config.parent / "error.log")],
        capture_output=True, text=True, check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_secret_key_is_kept_between_starts(folder: Path) -> None:
    shape = cluster.ClusterSettings.on_free_ports(folder)
    settings = make_settings(folder, standardiste_secret_key=None)
    first = cluster.prepare(shape, settings).env["STANDARDISTE_SECRET_KEY"]
    assert cluster.prepare(shape, settings).env["STANDARDISTE_SECRET_KEY"] == first
    configured = make_settings(folder, standardiste_secret_key="k" * 40)
    assert cluster.prepare(shape, configured).env["STANDARDISTE_SECRET_KEY"] == "k" * 40
