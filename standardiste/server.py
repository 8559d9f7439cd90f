"""Running the processes: the gateway alone, or the Rasa server and the gateway together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import subprocess
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI

from core import AppContext, ConfigError, Settings, configure_logging
from dialogue import action_token, ensure_model, rasa_env, server_command, write_endpoints
from standardiste.app import build_context, create_app
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
    """The app as a serving instance runs it: with this instance's sweepers for stale calls
    and idle website conversations."""
    app = create_app(context=context)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        async with inner(running) as state:
            sweepers = [
                asyncio.create_task(
                    sweep_forever(context.db, context.settings), name="call-sweeper"
                ),
                asyncio.create_task(
                    expire_website_chats_forever(context), name="website-chat-expiry"
                ),
            ]
            try:
                yield state
            finally:
                for sweeper in sweepers:
                    sweeper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sweeper

    app.router.lifespan_context = lifespan
    return app


def run_gateway(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the gateway until interrupted (config and model errors raise before it listens)."""
    configure_logging(settings.standardiste_log_level)
    context = build_context(settings)
    _check_speech_models(settings)
    _preload_voice(context)
    uvicorn.run(
        serving_app(context),
        host=host or settings.standardiste_host,
        port=port or settings.standardiste_port,
        log_config=None,
        proxy_headers=True,
        ws_ping_interval=None,
    )


def start_rasa(settings: Settings, *, gateway_port: int) -> subprocess.Popen[bytes]:
    """Start the Rasa server (training first if its inputs changed), actions pointed at us."""
    model = ensure_model(settings.rasa_venv, settings.rasa_model_dir)
    var = settings.standardiste_var_dir
    tracker = (
        settings.database_url
        if settings.database_url.startswith("postgres")
        else str(var / "rasa-tracker.db")
    )
    endpoints = write_endpoints(
        var / "rasa" / "endpoints.yml",
        action_url=f"http://127.0.0.1:{gateway_port}/dialogue/webhook",
        action_token=action_token(settings),
        tracker_db=tracker,
    )
    port = settings.rasa_url.port or 5005
    command = server_command(settings.rasa_venv, model, endpoints, port=port)
    _LOGGER.info("starting rasa", extra={"model": model.name, "port": port})
    # A new process group, so that Ctrl-C in the terminal reaches Rasa only through us.
    return subprocess.Popen(command, env=rasa_env(), start_new_session=True)


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


def run_all(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    """Start Rasa, then serve the gateway; stopping one stops the other. Returns an exit code."""
    configure_logging(settings.standardiste_log_level)
    context = build_context(settings)  # config errors surface before anything starts
    _check_speech_models(settings)
    gateway_port = port or settings.standardiste_port
    rasa = start_rasa(settings, gateway_port=gateway_port)

    def _on_term(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_term)
    try:
        _preload_voice(context)
        config = uvicorn.Config(
            serving_app(context),
            host=host or settings.standardiste_host,
            port=gateway_port,
            log_config=None,
            proxy_headers=True,
            ws_ping_interval=None,
        )
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    finally:
        _LOGGER.info("stopping rasa")
        stop_process(rasa)
    return 0
