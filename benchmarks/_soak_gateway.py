"""The soak half of `benchmarks.soak`: `standardiste serve` as its own process under a long load.

30 calls placed 1.5 s apart, then 60 s of 20 busy lines (each calling back to back), every call
three turns of the real voice, in real time, over the real WebSocket, with the real Rasa server.
The gateway is a child process, as in production: its recognition workers are its children,
and whether it is still alive at the end is part of the result.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

import transcripts
from benchmarks._figures import free_port, latency_ms
from benchmarks._harness import answer_always, bench_settings, running_rasa
from core import PROJECT_ROOT, Settings
from standardiste.app import build_context
from standardiste.migrate import upgrade
from standardiste.simulator import CallerTurn, SimulatedCall, Twilio, simulate_call
from telephony import PiperParams, PiperSynthesizer, resolve_speech_models

TOKEN = "soak-auth-token-0123456789abcdef"  # noqa: S105 (a throwaway gateway's secret)
PUBLIC = "https://standardiste.soak.invalid"
SENTENCES = (
    "Bonjour, je voudrais prendre un rendez-vous.",
    "Jeudi matin si possible.",
    "Dupont.",
    "Oui, c'est bien ça.",
)
RAMP_CALLS, RAMP_GAP_S = 30, 1.5
BUSY_LINES, BUSY_S = 20, 60.0
TURNS = 3


def _prepare(folder: Path, rasa_port: int, port: int) -> Settings:
    settings = bench_settings(
        folder, rasa_port=rasa_port, twilio_auth_token=TOKEN, public_base_url=PUBLIC,
        standardiste_port=port,
    )
    upgrade(settings.database_url)
    context = build_context(settings)
    answer_always(context, actor="soak")
    context.db.dispose()
    return settings


def _gateway(settings: Settings, folder: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("VOSK_MODEL_PATH", "PIPER_VOICE_PATH")}
    env.update(
        DATABASE_URL=settings.database_url,
        STANDARDISTE_CONFIG=str(settings.standardiste_config),
        STANDARDISTE_VAR_DIR=str(settings.standardiste_var_dir),
        TWILIO_AUTH_TOKEN=TOKEN,
        PUBLIC_BASE_URL=PUBLIC,
        RASA_URL=settings.rasa_base,
        STANDARDISTE_PORT=str(settings.standardiste_port),
        VOSK_WORKERS="2",
        VOSK_WARM_RECOGNIZERS=str(BUSY_LINES),
    )
    log = (folder / "gateway.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "standardiste", "serve"], env=env, cwd=PROJECT_ROOT,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _metric(text: str, name: str) -> float:
    pattern = rf"^{name}(?:{{[^}}]*}})? (\S+)$"
    return sum(float(m.group(1)) for m in re.finditer(pattern, text, re.M))


def _wait_for_speech(url: str, gateway: subprocess.Popen[bytes]) -> None:
    """Until both workers run and have had time to warm their recognizers up."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if gateway.poll() is not None:
            raise RuntimeError("the gateway exited during start-up")
        try:
            text = httpx.get(f"{url}/metrics", timeout=2).text
            if _metric(text, "standardiste_recognition_workers_up") >= 2:
                time.sleep(20.0)  # model load and warm-up of BUSY_LINES recognizers
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the recognition workers did not start")


async def _calls(twilio: Twilio, turns: list[CallerTurn]) -> list[tuple[str, SimulatedCall | str]]:
    placed: list[tuple[str, SimulatedCall | str]] = []
    rotation = iter(range(10**6))

    async def one(phase: str) -> None:
        first = next(rotation)
        mine = [turns[(first + k) % len(turns)] for k in range(TURNS)]
        try:
            placed.append((phase, await simulate_call(twilio, mine, end="stop")))
        except Exception as exc:  # the gateway refused or died: that call was cut
            placed.append((phase, f"{type(exc).__name__}: {exc}"))

    async def ramp() -> None:
        tasks = []
        for _ in range(RAMP_CALLS):
            tasks.append(asyncio.create_task(one("ramp")))
            await asyncio.sleep(RAMP_GAP_S)
        await asyncio.gather(*tasks)

    async def line(index: int, began: float) -> None:
        await asyncio.sleep(index * 1.0)
        while time.monotonic() - began < BUSY_S:
            await one("busy")

    ramping = asyncio.create_task(ramp())
    await asyncio.sleep(RAMP_CALLS * RAMP_GAP_S)
    began = time.monotonic()
    await asyncio.gather(ramping, *(line(i, began) for i in range(BUSY_LINES)))
    return placed


def _records(settings: Settings, sids: list[str]) -> tuple[int, int]:
    """Calls whose record is still open, and calls whose record lacks the caller's words."""
    context = build_context(settings)
    deadline = time.monotonic() + 90
    try:
        while True:
            with context.db.session() as session:
                calls = {sid: transcripts.get_call(session, sid) for sid in sids}
                open_ = [s for s, c in calls.items() if c is None or c.ended_at is None]
                wordless = [
                    s for s in sids
                    if not any(t.speaker == transcripts.Speaker.CALLER
                               for t in transcripts.list_turns(session, s))
                ]
            if not open_ or time.monotonic() > deadline:
                return len(open_), len(wordless)
            time.sleep(1.0)
    finally:
        context.db.dispose()


def soak() -> dict[str, Any]:
    """Run the soak; its figures and the lines for docs/benchmarks.md."""
    with tempfile.TemporaryDirectory(prefix="standardiste-soak-gw-") as tmp:
        folder = Path(tmp)
        rasa_port, port = free_port(), free_port()
        settings = _prepare(folder, rasa_port, port)
        url = f"http://127.0.0.1:{port}"
        with running_rasa(settings, folder, url, timeout_s=600.0):  # a loaded machine
            gateway = _gateway(settings, folder)
            try:
                _wait_for_speech(url, gateway)
                models = resolve_speech_models(settings)
                piper = PiperSynthesizer.load(models.piper_voice, models.piper_config,
                                              PiperParams(espeak_voice=models.espeak_voice))
                turns = [CallerTurn(t, tuple(piper.synthesize_frames(t))) for t in SENTENCES]
                twilio = Twilio(gateway=url, public_base=PUBLIC, auth_token=TOKEN, speed=1.0)
                load = os.getloadavg()[0]
                started = time.monotonic()
                placed = asyncio.run(_calls(twilio, turns))
                wall = time.monotonic() - started
                alive = gateway.poll() is None
                metrics = httpx.get(f"{url}/metrics", timeout=10).text if alive else ""
                done = [c for _, c in placed if isinstance(c, SimulatedCall)]
                open_records, wordless = _records(settings, [c.call_sid for c in done])
            finally:
                if gateway.poll() is None:
                    os.killpg(gateway.pid, signal.SIGTERM)
                    gateway.wait(timeout=30)
        log = (folder / "gateway.log").read_text(errors="replace")
        if not alive or len(placed) > len(done):
            kept = Path(tempfile.gettempdir()) / "standardiste-soak-gateway.log"
            kept.write_text(log)
            print(f"soak/gateway: its log is kept in {kept}", flush=True)
    errors = Counter(
        line.get("key") for line in map(_json, log.splitlines())
        if line.get("msg") == "call error"
    )
    latencies = [t for c in done for t in c.turn_latencies_s if t is not None]
    figures = {
        "calls": len(placed),
        "ramp_calls": sum(1 for phase, _ in placed if phase == "ramp"),
        "busy_calls": sum(1 for phase, _ in placed if phase == "busy"),
        "wall_s": round(wall),
        "load_before": round(load, 1),
        "gateway_alive": alive,
        "failed_to_connect": len(placed) - len(done),
        "connect_errors": dict(Counter(c[:120] for _, c in placed if isinstance(c, str))),
        "cut": sum(1 for c in done if c.close_code not in (1000, None)),
        "unanswered_turns": sum(1 for c in done for t in c.turn_latencies_s if t is None),
        "records_open": open_records,
        "records_without_words": wordless,
        "worker_exits": _metric(metrics, "standardiste_recognition_worker_exits_total"),
        "worker_restarts": _metric(metrics, "standardiste_recognition_worker_restarts_total"),
        "voice_to_voice": latency_ms(latencies),
        "call_errors": dict(errors),
    }
    print(f"soak/gateway: {figures}", flush=True)
    return {**figures, "doc_lines": _doc(figures)}


def _json(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _doc(f: dict[str, Any]) -> list[str]:
    v2v = f["voice_to_voice"]
    return [
        f"### Soak: {RAMP_CALLS} calls {RAMP_GAP_S} s apart, then {BUSY_S:.0f} s of "
        f"{BUSY_LINES} busy lines",
        "",
        "`standardiste serve` in its own process (2 recognition workers, "
        f"{BUSY_LINES} warm recognizers), the real Rasa server, simulated callers over the "
        f"real WebSocket in real time ({TURNS} turns per call, French sentences said by the real "
        "voice). Cut = stream closed abnormally; records checked in the database afterwards. "
        f"Machine load average before: {f['load_before']} (above 2: other work shared the cores).",
        "",
        "| calls placed | gateway alive | failed to connect | cut | unanswered turns "
        "| records left open | records without the caller's words | worker deaths / restarts "
        "| voice-to-voice p50 / p95 / max ms | call errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {f['calls']} ({f['ramp_calls']} + {f['busy_calls']}) in {f['wall_s']} s | "
        f"{'yes' if f['gateway_alive'] else '**no**'} | {f['failed_to_connect']} | {f['cut']} | "
        f"{f['unanswered_turns']} | {f['records_open']} | {f['records_without_words']} | "
        f"{f['worker_exits']:.0f} / {f['worker_restarts']:.0f} | {v2v['p50_ms']} / "
        f"{v2v['p95_ms']} / {v2v['max_ms']} | {f['call_errors'] or 'none'} |",
        "",
    ]
