"""One simulated call placed from the settings, blocking: ``standardiste call``, the benchmarks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from websockets.exceptions import InvalidStatus

from core import Settings
from standardiste.simulator.callers import CallerTurn, write_wav
from standardiste.simulator.twilio_peer import SimulatedCall, Twilio, simulate_call


class SimulatorError(RuntimeError):
    """The simulated call could not be placed (no secrets, gateway unreachable, refused)."""


def run_simulator(
    settings: Settings,
    turns: list[CallerTurn],
    *,
    gateway: str | None = None,
    speed: float = 1.0,
    end: str = "stop",
    out: Path | None = None,
) -> SimulatedCall:
    """Place one simulated call against a running gateway (blocking; `standardiste call`).

    Raises:
        SimulatorError: Secrets missing, gateway unreachable or the stream refused.
    """
    token = settings.twilio_auth_token
    if token is None or settings.public_base is None:
        raise SimulatorError("TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL must be set (as the gateway's)")
    config = Twilio(
        gateway=gateway or f"http://{settings.standardiste_host}:{settings.standardiste_port}",
        public_base=settings.public_base,
        auth_token=token.get_secret_value(),
        speed=speed,
    )
    try:
        call = asyncio.run(simulate_call(config, turns, end=end))
    except (httpx.HTTPError, OSError, InvalidStatus) as exc:
        raise SimulatorError(f"{config.gateway}: {exc}") from exc
    if out is not None:
        write_wav(out, bytes(call.assistant_audio))
    return call
