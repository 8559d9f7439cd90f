"""How the Rasa server is trained and started (it lives in its own virtual environment).

The trained model is cached by a hash of its inputs (config, domain, data, Rasa version): a
model is trained only when one of them changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

from core import Settings, derived_token

PROJECT_DIR = Path(__file__).resolve().parent
ADDONS_DIR = PROJECT_DIR / "addons"
"""Code Rasa loads in its own environment (the token-checked REST channel)."""
RASA_VERSION = "3.6.21"
# The domain is a folder: core.yml (intents, slots, forms, actions) and responses.yml (every
# sentence the caller hears).
_INPUTS = ("config.yml", "domain", "data")


def _input_files() -> list[Path]:
    files: list[Path] = []
    for name in _INPUTS:
        path = PROJECT_DIR / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yml") if p.is_file()))
        elif path.exists():
            files.append(path)
    return files


def action_token(settings: Settings) -> str:
    """The token Rasa must present to the gateway's action endpoint."""
    return derived_token(settings, "rasa-action-endpoint")


def rasa_auth_token(settings: Settings) -> str:
    """The token the gateway must present to Rasa's HTTP API (``rasa run --auth-token``)."""
    return derived_token(settings, "rasa-http-api")


AUTH_TOKEN_ENV = "STANDARDISTE_RASA_AUTH_TOKEN"  # noqa: S105 (a variable name)
# Rasa takes its API token only on the command line, where every local account can read it
# (/proc/<pid>/cmdline); this launcher hands it over from the environment, which only the
# owner can read, and refuses to start an API without a token.
# One line: it also goes into the cluster's Procfile, which is read line by line. The token stays
# in the environment: the REST channel (addons/token_rest.py) checks it on every message too.
_LAUNCHER = (
    "import os, sys; "
    f"token = os.environ.get({AUTH_TOKEN_ENV!r}, ''); "
    f"token or sys.exit('{AUTH_TOKEN_ENV} is not set: the Rasa HTTP API would answer anyone'); "
    "sys.argv = ['rasa', *sys.argv[1:], '--auth-token', token]; "
    "from rasa.__main__ import main; sys.exit(main())"
)


def model_hash() -> str:
    """A digest of everything that shapes the trained model."""
    digest = hashlib.sha256(RASA_VERSION.encode())
    for path in _input_files():
        digest.update(str(path.relative_to(PROJECT_DIR)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(model_dir: Path) -> Path:
    """Where the model for the current inputs is (or will be) stored."""
    return model_dir / f"dialogue-{model_hash()}.tar.gz"


def rasa_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment for Rasa subprocesses: quiet TensorFlow, no telemetry, deterministic hashing.

    With ``settings``, the API token the server started by `server_command` requires.
    """
    env = dict(os.environ)
    if settings is not None:
        env[AUTH_TOKEN_ENV] = rasa_auth_token(settings)
    # Where Rasa finds our REST channel with its token check (credentials.yml names it).
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(ADDONS_DIR), env.get("PYTHONPATH", "")) if part
    )
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONHASHSEED="0",
        TF_ENABLE_ONEDNN_OPTS="0",
    )
    return env


def ensure_model(rasa_venv: Path, model_dir: Path) -> Path:
    """Train the model unless one for the current inputs exists; return its path.

    Several processes may ask at once (`make run-cluster`'s launcher, a test session's workers):
    one trains while the others wait on a lock, then find its model.
    """
    target = model_path(model_dir)
    if target.exists():
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / ".training.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            _train(rasa_venv, model_dir, target)
    return target


def _train(rasa_venv: Path, model_dir: Path, target: Path) -> None:
    command = [
        str(rasa_venv / "bin" / "rasa"),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain",
        "--data",
        "data",
        "--out",
        str(model_dir),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(command, cwd=PROJECT_DIR, env=rasa_env(), check=True)
    if not target.exists():
        raise RuntimeError(f"rasa train did not write {target}")


def write_endpoints(
    path: Path,
    *,
    action_url: str,
    action_token: str,
    tracker_db: str | None,
    lock_store: str | None = None,
) -> Path:
    """Write Rasa's endpoints.yml: actions run in the gateway; the tracker is stored in SQL.

    Rasa sends ``action_token`` in the ``Authorization`` header of every action call (a header,
    not ``?token=``: query strings end up in access logs). The file holds secrets: owner only.

    Args:
        path: Where to write the file.
        action_url: The gateway's action endpoint (behind the load balancer in a cluster).
        action_token: The token Rasa presents to it.
        tracker_db: A SQLite file path or a ``postgresql://`` URL; None keeps trackers in memory.
        lock_store: A ``redis://host:port/db`` URL, so that several Rasa servers (or a restarted
            one) share the per-conversation locks; None keeps Rasa's in-memory lock store.
    """
    endpoints: dict[str, object] = {
        "action_endpoint": {
            "url": action_url,
            "headers": {"Authorization": f"Bearer {action_token}"},
        }
    }
    if tracker_db:
        if tracker_db.startswith("postgresql"):
            endpoints["tracker_store"] = _postgres_tracker(tracker_db)
        else:
            endpoints["tracker_store"] = {"type": "SQL", "dialect": "sqlite", "db": tracker_db}
    if lock_store:
        endpoints["lock_store"] = _redis_lock_store(lock_store)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def _postgres_tracker(url: str) -> dict[str, object]:
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    return {
        "type": "SQL",
        "dialect": "postgresql",
        "url": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "db": parts.path.lstrip("/"),
        "username": parts.username or "",
        "password": parts.password or "",
    }


def _redis_lock_store(url: str) -> dict[str, object]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise ValueError(f"lock store: a redis:// URL is expected, not {parts.scheme}://")
    store: dict[str, object] = {
        "type": "redis",
        "url": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(parts.path.lstrip("/") or 1),
        # Rasa requires an alphanumeric prefix; it keeps our keys apart on a shared Redis.
        "key_prefix": "standardiste",
    }
    if parts.password:
        store["password"] = parts.password
    return store


def server_command(
    rasa_venv: Path, model: Path, endpoints: Path, *, host: str = "127.0.0.1", port: int = 5005
) -> list[str]:
    """The command that starts the Rasa server with its REST API, on localhost only.

    Its HTTP API requires the token of `rasa_auth_token`, handed over in the environment: run
    the command with ``rasa_env(settings)``; it refuses to start without it.
    """
    return [
        str(rasa_venv / "bin" / "python"),
        "-c",
        _LAUNCHER,
        "run",
        "--enable-api",
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(PROJECT_DIR / "credentials.yml"),
        "--interface",
        host,
        "--port",
        str(port),
        "--log-file",
        os.devnull,
    ]


def wait_until_ready(
    base_url: str,
    process: subprocess.Popen[bytes],
    timeout: float = 240.0,
    *,
    token: str | None = None,
) -> None:
    """Wait until the Rasa server at ``base_url`` answers with a loaded model.

    ``token`` is the API token (`rasa_auth_token`): ``/status`` is one of the guarded routes.

    Raises:
        RuntimeError: The process exited, or the server was not ready within ``timeout``.
    """
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the Rasa server exited during start-up")
        try:
            params = {"token": token} if token else None
            reply = httpx.get(f"{base_url}/status", params=params, timeout=2)
            if reply.json().get("model_file"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("the Rasa server did not start in time")


def main() -> None:
    """``python -m dialogue.rasa.server train`` (used by the Makefile)."""
    from core import get_settings

    settings = get_settings()
    if sys.argv[1:] == ["train"]:
        print(ensure_model(settings.rasa_venv, settings.rasa_model_dir))
    elif sys.argv[1:] == ["hash"]:
        print(model_hash())
    else:
        raise SystemExit("usage: python -m dialogue.rasa.server train|hash")


if __name__ == "__main__":
    main()
