"""Running the processes: the gateway alone (`standardiste serve`: systemd or the cluster
supervise it), or the Rasa server and the gateway as supervised children (`standardiste run`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

import notifications
from core import AppContext, ConfigError, Settings, configure_logging, settle_heap
from dialogue import action_token, ensure_model, rasa_env, server_command, write_endpoints
from standardiste.app import build_context, create_app
from standardiste.supervisor import ChildSpec, Supervisor, SupervisorCollector
from standardiste.sweeping import expire_website_chats_forever, sweep_forever
from telephony import ModelMissingError, announce_speech_models

_LOGGER = logging.getLogger(__name__)


def _preload_voice(context: AppContext) -> None:
    """Load the speech engines and prompts in the background, so the first caller doesn't wait."""
    from telephony import preload_voice

    def _load() -> None:
        try:
            preload_voice(context)
            _LOGGER.info("speech engines and prompts ready")
            settle_heap("the speech engines' start-up")
        except Exception:  # the first call retries, and says so in French if it fails
            _LOGGER.exception("speech engines could not be loaded")

    threading.Thread(target=_load, name="voice-preload", daemon=True).start()


def _check_speech_models(settings: Settings) -> None:
    """Refuse to start with unusable speech models: one line saying which and why."""
    try:
        announce_speech_models(settings)
    except ModelMissingError as exc:
        # A ConfigError: the CLI prints it on one line and exits with status 2.
        raise ConfigError("speech models", [str(exc)]) from None


def serving_app(context: AppContext) -> FastAPI:
    """The app as a serving instance runs it: with this instance's sweepers for stale calls and
    idle website conversations, and its dispatcher of texts (every instance runs them all; the
    database keeps them from clashing)."""
    app = create_app(context=context)
    inner = app.router.lifespan_context
    _register_supervisor_metrics(context.settings)

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        async with inner(running) as state:
            # What the app built to serve (the safety net, its classifier, Duckling) lives as
            # long as this process: out of the garbage collector's full passes (`core.heap`).
            # Here, not in every app's start-up: a test process starts hundreds of apps.
            settle_heap("the dialogue's start-up")
            tasks = [
                asyncio.create_task(
                    sweep_forever(context.db, context.settings),
                    name="call-sweeper",
                ),
                asyncio.create_task(notifications.dispatch_forever(context), name="sms-dispatcher"),
                asyncio.create_task(
                    expire_website_chats_forever(context), name="website-chat-expiry"
                ),
            ]
            try:
                yield state
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app.router.lifespan_context = lifespan
    return app


_SUPERVISOR_METRICS: list[SupervisorCollector] = []


def _register_supervisor_metrics(settings: Settings) -> None:
    """Restarts counted by `standardiste run`'s parent, shown on this gateway's `/metrics`."""
    from prometheus_client import REGISTRY

    if not _SUPERVISOR_METRICS:  # once per process (the registry refuses a second one)
        collector = SupervisorCollector(settings.standardiste_var_dir)
        REGISTRY.register(collector)
        _SUPERVISOR_METRICS.append(collector)


PORT_IN_USE_EXIT = 1
"""The exit status of a gateway that cannot listen (its supervisor tries again later)."""
_STARTUP_FAILURE = 3  # uvicorn.run's status when the app's start-up fails, kept as it was


def _listening_socket(host: str, port: int) -> socket.socket:
    """The gateway's socket, bound before anything else starts; a port that cannot be had
    ends the process here, with status `PORT_IN_USE_EXIT`.

    Bound later (by uvicorn, after the app's start-up), a port already in use was found with
    the speech engines loading in native threads and the recognition workers started: the
    exit then aborted (SIGABRT, a core dump) and left the workers to die on a broken pipe."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        _LOGGER.error(
            "cannot listen on %s:%s: %s (another gateway on this port?) / impossible d'écouter "
            "sur ce port : déjà utilisé ou refusé", host, port, exc.strerror or exc,
            extra={"host": host, "port": port, "errno": exc.errno})
        raise SystemExit(PORT_IN_USE_EXIT) from None
    return sock


def run_gateway(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the gateway until interrupted (config and model errors raise before it listens;
    a port in use exits with `PORT_IN_USE_EXIT` before the speech models load)."""
    configure_logging(settings.standardiste_log_level)
    host = host or settings.standardiste_host
    port = port or settings.standardiste_port
    # A bad practice file or an unmigrated database says so first (exit 2): it is what the
    # operator must fix, whatever else holds the port; the models load only once it is ours.
    context = build_context(settings)
    listening = _listening_socket(host, port)
    _check_speech_models(settings)
    _preload_voice(context)
    config = uvicorn.Config(
        serving_app(context),
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        ws_ping_interval=None,
    )
    server = uvicorn.Server(config)
    # uvicorn says where it listens only for the sockets it binds itself.
    _LOGGER.info("gateway on http://%s:%s", host, port, extra={"host": host, "port": port})
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listening])
    if not server.started:
        raise SystemExit(_STARTUP_FAILURE)


def rasa_child(settings: Settings, *, gateway_port: int) -> ChildSpec:
    """The Rasa server as `standardiste run` runs it (training first if its inputs changed),
    its actions pointed at our gateway, its tracker under the var folder (or in PostgreSQL)."""
    model = ensure_model(settings.rasa_venv, settings.rasa_model_dir)
    var = settings.standardiste_var_dir
    endpoints = write_endpoints(
        var / "rasa" / "endpoints.yml",
        action_url=f"http://127.0.0.1:{gateway_port}/dialogue/webhook",
        action_token=action_token(settings),
        tracker_db=settings.tracker_store,
    )
    port = settings.rasa_url.port or 5005
    command = server_command(settings.rasa_venv, model, endpoints, port=port)
    _LOGGER.info("rasa", extra={"model": model.name, "port": port})
    return ChildSpec("rasa", command, env=rasa_env(settings), stop_grace_s=10.0)


def gateway_child(host: str, port: int) -> ChildSpec:
    """The gateway as a child: `standardiste serve` with this process's environment."""
    command = [sys.executable, "-m", "standardiste", "serve", "--host", host, "--port", str(port)]
    return ChildSpec("gateway", command, stop_grace_s=15.0)


def start_rasa(settings: Settings, *, gateway_port: int) -> subprocess.Popen[bytes]:
    """Start the Rasa server alone, unsupervised (the tests' and tools' own Rasa)."""
    spec = rasa_child(settings, gateway_port=gateway_port)
    # A new process group, so that Ctrl-C in the terminal reaches Rasa only through us.
    return subprocess.Popen(list(spec.command), env=dict(spec.env or {}), start_new_session=True)


def stop_process(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Terminate a child process, killing it if it does not exit within ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_all(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    rasa: ChildSpec | None = None,
) -> int:
    """Supervise the gateway and Rasa as children until stopped (`standardiste.supervisor`);
    config and model errors raise before anything starts. Returns an exit code.

    Args:
        settings: The process settings (the children read the same environment).
        host: Where the gateway listens (default ``STANDARDISTE_HOST``).
        port: Its port (default ``STANDARDISTE_PORT``).
        rasa: Another Rasa process to supervise (default: `rasa_child`).
    """
    configure_logging(settings.standardiste_log_level)
    context = build_context(settings)  # config errors surface before anything starts
    context.db.dispose()
    _check_speech_models(settings)
    gateway_port = port or settings.standardiste_port
    children = [
        rasa or rasa_child(settings, gateway_port=gateway_port),
        gateway_child(host or settings.standardiste_host, gateway_port),
    ]
    supervisor = Supervisor(children, state_dir=settings.standardiste_var_dir)
    return supervisor.run()
