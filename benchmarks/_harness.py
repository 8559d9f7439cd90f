"""What the benchmarks set up the same way: the gateway in this process with the real Rasa server
beside it, on a throwaway SQLite database; a throwaway PostgreSQL server; forked workers that
start together.

Rasa is started as `standardiste run` starts it (`rasa_env(settings)`): its HTTP API wants the
token the gateway derives from the same settings.

    with tempfile.TemporaryDirectory() as tmp, gateway_and_rasa(Path(tmp)) as (base, context):
        httpx.post(f"{base}/api/chat", ...)
"""

from __future__ import annotations

import multiprocessing
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from benchmarks._figures import free_port
from core import PROJECT_ROOT, AnsweringMode, AppContext, Settings

_BARRIER_S = 120


def bench_settings(folder: Path, *, rasa_port: int, **overrides: Any) -> Settings:
    """The repository's practice on a SQLite file in ``folder``, Rasa expected on ``rasa_port``;
    ``overrides`` are further settings (a token, raised limits)."""
    values: dict[str, Any] = {
        "standardiste_config": PROJECT_ROOT / "config" / "practice.yaml",
        "database_url": f"sqlite:///{folder / 'bench.db'}",
        "rasa_url": f"http://127.0.0.1:{rasa_port}",
        "standardiste_var_dir": folder / "var",
        **overrides,
    }
    return Settings(_env_file=None, **values)


def answer_always(context: AppContext, *, actor: str = "benchmark", **changes: Any) -> None:
    """Save the practice's settings answering at any hour (a benchmark must not depend on when
    it runs), with ``changes`` to other sections (``website=…``)."""
    store = context.practice_store
    current = store.current()
    answering = current.answering.model_copy(update={"mode": AnsweringMode.ALWAYS})
    store.save(
        current.model_copy(update={"answering": answering, **changes}),
        actor=actor, expected_version=store.version,
    )


@contextmanager
def serving(context: AppContext, port: int) -> Iterator[str]:
    """The gateway app under uvicorn in a thread of this process; yields its base URL."""
    from standardiste.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(context=context), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_rasa(
    settings: Settings, folder: Path, gateway: str, *, timeout_s: float = 240.0
) -> Iterator[subprocess.Popen[bytes]]:
    """The Rasa server with the trained model (trained first when the inputs changed), its
    actions served by ``gateway``, its trackers in ``folder``; yields once it answers."""
    from dialogue.rasa.server import (
        action_token,
        ensure_model,
        rasa_auth_token,
        rasa_env,
        server_command,
        wait_until_ready,
        write_endpoints,
    )

    model = ensure_model(settings.rasa_venv, settings.rasa_model_dir)
    endpoints = write_endpoints(
        folder / "endpoints.yml",
        action_url=f"{gateway}/dialogue/webhook",
        action_token=action_token(settings),
        tracker_db=str(folder / "tracker.db"),
    )
    port = int(settings.rasa_base.rsplit(":", 1)[1])
    rasa = subprocess.Popen(
        server_command(settings.rasa_venv, model, endpoints, port=port),
        env=rasa_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_ready(settings.rasa_base, rasa, timeout_s, token=rasa_auth_token(settings))
        yield rasa
    finally:
        rasa.terminate()
        rasa.wait(timeout=30)


@contextmanager
def gateway_and_rasa(
    folder: Path, *, prepare: Callable[[AppContext], None] | None = None, **overrides: Any
) -> Iterator[tuple[str, AppContext]]:
    """A migrated database, the gateway serving it and Rasa; yields the gateway's base URL and
    its context. ``prepare`` changes the practice before anything is served; ``overrides`` go
    to `bench_settings`."""
    from standardiste.app import build_context
    from standardiste.migrate import upgrade

    settings = bench_settings(folder, rasa_port=free_port(), **overrides)
    upgrade(settings.database_url)
    context = build_context(settings)
    try:
        if prepare is not None:
            prepare(context)
        with serving(context, free_port()) as base, running_rasa(settings, folder, base):
            yield base, context
    finally:
        context.db.dispose()


@contextmanager
def throwaway_postgres(name: str, *, durable: bool = False) -> Iterator[tuple[str, int]]:
    """A database ``name`` on a PostgreSQL server of its own; yields its URL and the
    postmaster's pid (for the server's CPU). ``durable``: fsync and synchronous commits on."""
    from cluster import PostgresServer

    server = PostgresServer(durable=durable)
    server.start()
    try:
        url = server.create_database(name)
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        yield url, postmaster
    finally:
        server.stop()


def forked_race(
    target: Callable[..., None], arguments: list[tuple[Any, ...]], *, timeout_s: float
) -> tuple[list[Any], float, float]:
    """One forked process per item of ``arguments``, called as ``target(*item, barrier, results)``:
    each waits at the barrier, then puts its outcome on ``results``.

    Returns:
        The outcomes (in the order they came), the moment all were let go and the moment the
        last outcome came (``time.perf_counter``).
    """
    forked = multiprocessing.get_context("fork")
    barrier = forked.Barrier(len(arguments) + 1)
    results = forked.Queue()
    workers = [forked.Process(target=target, args=(*item, barrier, results)) for item in arguments]
    for worker in workers:
        worker.start()
    barrier.wait(_BARRIER_S)
    started = time.perf_counter()
    outcomes = [results.get(timeout=timeout_s) for _ in workers]
    received = time.perf_counter()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes, started, received
