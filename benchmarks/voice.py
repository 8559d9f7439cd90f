"""Voice benchmark: simulated callers through the real WebSocket, real Vosk, Piper and Rasa.

The gateway runs in this process under uvicorn on a free loopback port, with the real speech
engines (the packaged Korean Vosk model and the joe voice: see docs/voice-costs for why) and a
real Rasa server with the trained model. Callers run in a child process (so the gateway's CPU
is its own) and play Twilio with `standardiste.simulator` in real time: every call streams 50
frames a second both ways, its turns are the real voice saying French sentences.

Figures:
- processing: the gateway's end-of-turn decision → its first outbound frame (recognizer
  finalisation + dialogue + first synthesised piece), p50/p95, from the call events;
- voice-to-voice: the end of the caller's speech → the first audio back, as the caller hears
  it (includes the 0.6 s end-of-turn silence window), p50/p95;
- greeting: ``start`` → first audio;
- concurrency: lines busy at once (ramped; see `Pattern`) while every turn stays under 1.5 s
  voice-to-voice, with the gateway's CPU (by kind of thread) and memory per call, Rasa's CPU
  and the callers'; then the same number of calls in a surge.

First, callers at once: N calls in lockstep (started together, the same sentences, so every
caller finishes speaking at the same moment; N = `LOCKSTEP_LEVELS`) and `STAGGERED_CALLS` calls
`STAGGER_S` apart, with each answer's wait split by stage (end of speech → end-of-turn
decision → recognizer final → dialogue → first synthesis → first frame).
Then each Vosk decoding search of `SEARCHES` is ramped in turn (``VOICE_BENCH_RAMPS=0`` skips
them). Run with ``python -m benchmarks voice``; about forty-five minutes on two cores.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import random
import re
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import uvicorn

from benchmarks._figures import (
    cpu_seconds,
    free_port,
    latency_ms,
    stat_cpu_seconds,
    write_section,
)
from core import PROJECT_ROOT, AnsweringMode, AppContext, Settings, settle_heap
from dialogue.rasa.server import (
    action_token,
    ensure_model,
    rasa_auth_token,
    rasa_env,
    server_command,
    wait_until_ready,
    write_endpoints,
)
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from standardiste.simulator import CallerTurn, Twilio, simulate_call
from telephony.call_events import CallEvent, CallEventType
from telephony.codec import ulaw_to_pcm16
from telephony.speech_engines import load_speech_engines, warm_up_speech
from telephony.stt_vosk import VoskEngine, VoskParams
from telephony.stt_workers import RecognitionWorkers
from telephony.voice_service import VoiceService

TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 (a throwaway gateway's secret)
PUBLIC = "https://standardiste.bench.invalid"
SENTENCES = (
    "Bonjour, je voudrais prendre un rendez-vous.",
    "Jeudi matin si possible.",
    "Dupont.",
    "Oui, c'est bien ça.",
)
SINGLE_CALLS = 3
LOCKSTEP_LEVELS = (1, 4, 8, 16)
STAGGERED_CALLS = 30
STAGGER_S = 1.5
STAGES = ("end-of-turn", "recognizer-final", "dialogue", "first-synthesis", "first-frame", "total")
"""Where a caller waits, stage by stage (`telephony.turn_timing`), for each answer."""
LEVELS = (8, 12, 16, 20, 25, 30)
STEADY_WINDOW_S = 40.0
"""How long new calls are measured once all lines are busy."""
TURNS_PER_CALL = 3
TURN_LIMIT_S = 1.5
SEARCHES: dict[str, dict[str, Any]] = {
    "model's own": {},
    "tight (max-active 1000, beam 8)": {"vosk_max_active": 1000, "vosk_beam": 8.0},
}
"""Vosk decoding searches to ramp (settings overrides; see `telephony.vosk_search`)."""
RAMPS = os.environ.get("VOICE_BENCH_RAMPS", "1") != "0"
"""``VOICE_BENCH_RAMPS=0``: only the callers-at-once levels (minutes, not forty)."""
_ONLY = os.environ.get("VOICE_BENCH_LEVELS", "")
"""``VOICE_BENCH_LEVELS=16`` (or ``1,16,staggered``): only those callers-at-once levels, to
repeat one quickly; such a partial run prints its figures and writes no docs."""
if _ONLY:
    LOCKSTEP_LEVELS = tuple(int(n) for n in _ONLY.split(",") if n.strip().isdigit())
def _thread_cpu_s() -> dict[str, float]:
    """This process's CPU seconds by kind of thread (recognition, synthesis, the rest)."""
    # Python 3.11 does not name OS threads: map the executors' thread names by native id.
    names = {t.native_id: t.name for t in threading.enumerate()}
    kinds: dict[str, float] = {"vosk": 0.0, "piper": 0.0, "other": 0.0}
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            seconds = stat_cpu_seconds(task / "stat")
        except OSError:
            continue  # the thread ended meanwhile
        name = names.get(int(task.name), "")
        kind = next((k for k in ("vosk", "piper") if name.startswith(k)), "other")
        kinds[kind] += seconds
    kinds["vosk"] += _workers_cpu_s()
    return kinds


def _workers_cpu_s() -> float:
    """CPU seconds of this process's recognition worker processes (`VOSK_WORKERS`), alive now;
    a worker that died during a level takes its seconds with it."""
    total = 0.0
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                if b"telephony" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    total += cpu_seconds(int(pid))
            except OSError:
                continue
    return total


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else 0.0


class Pattern(StrEnum):
    """How the simulated calls are placed."""

    ONE_BY_ONE = "one by one"
    """Calls one after another: the unloaded latency."""
    STEADY = "steady"
    """N lines busy at once, each calling back to back, their calls spread evenly over one
    call's length: what N calls at once means on a practice's lines (measured: the calls that
    started once all N lines were busy)."""
    SURGE = "surge"
    """N calls answered within 3 s and following the same script in step: the worst case,
    every caller speaking and waiting at the same moments."""
    LOCKSTEP = "lockstep"
    """N calls started together, every caller saying the same sentences: they finish speaking
    at the same moment, turn after turn (the harder view of issue 18)."""
    STAGGERED = "staggered"
    """N calls started `STAGGER_S` apart, each its own script rotation."""


@dataclass(frozen=True)
class Placed:
    """One simulated call, as the callers' process saw it."""

    call_sid: str
    measured: bool
    greeting_s: float | None
    turns_s: list[float | None]
    duration_s: float


async def _place(
    config: Twilio, turns: list[CallerTurn], count: int, pattern: Pattern, call_s: float, out: Any
) -> list[Placed]:
    began = time.monotonic()
    out.send(began)  # the gateway's side samples CPU over the window from this origin
    rotation = itertools.count()

    async def one(measured: bool) -> Placed:
        first = 0 if pattern is Pattern.LOCKSTEP else next(rotation)
        mine = [turns[(first + k) % len(turns)] for k in range(TURNS_PER_CALL)]
        call = await simulate_call(config, mine, end="stop")
        duration = call.lines[-1][0] if call.lines else 0.0
        return Placed(call.call_sid, measured, call.greeting_latency_s,
                      call.turn_latencies_s, duration)

    if pattern is Pattern.ONE_BY_ONE:
        return [await one(True) for _ in range(count)]
    if pattern is Pattern.LOCKSTEP:
        return list(await asyncio.gather(*(one(True) for _ in range(count))))
    if pattern is Pattern.STAGGERED:
        async def staggered(index: int) -> Placed:
            await asyncio.sleep(index * STAGGER_S)
            return await one(True)
        return list(await asyncio.gather(*(staggered(i) for i in range(count))))
    if pattern is Pattern.SURGE:
        async def surging() -> Placed:
            await asyncio.sleep(random.uniform(0, 3.0))
            return await one(True)
        return list(await asyncio.gather(*(surging() for _ in range(count))))
    full_at, stop_at = _window(count, call_s)

    async def line(index: int) -> list[Placed]:
        await asyncio.sleep(index * call_s / count)
        placed = []
        # Calls go on past the window so the last measured calls still share the lines.
        while (at := time.monotonic() - began) < stop_at + call_s:
            placed.append(await one(full_at <= at <= stop_at))
        return placed

    lines = await asyncio.gather(*(line(i) for i in range(count)))
    return [p for placed in lines for p in placed]


def _window(count: int, call_s: float) -> tuple[float, float]:
    """When all ``count`` lines are busy, and when the measured calls stop starting."""
    full_at = call_s * (count - 1) / count
    return full_at, full_at + STEADY_WINDOW_S


def _caller_process(
    config: Twilio, turns: list[CallerTurn], count: int, pattern: Pattern, call_s: float,
    out: Any,
) -> None:
    out.send(asyncio.run(_place(config, turns, count, pattern, call_s, out)))


class _Sample:
    """CPU and memory of the gateway (this process, by kind of thread) and Rasa at one instant."""

    def __init__(self, rasa_pid: int) -> None:
        me = os.getpid()
        self.at = time.monotonic()
        self.cpu, self.rasa = cpu_seconds(me) + _workers_cpu_s(), cpu_seconds(rasa_pid)
        self.threads, self.rss = _thread_cpu_s(), _rss_mb(me)


def _run_callers(
    config: Twilio, turns: list[CallerTurn], count: int, pattern: Pattern, call_s: float,
    rasa_pid: int,
) -> tuple[list[Placed], _Sample, _Sample, float]:
    """Place the calls from a child process; sample CPU over the measured part.

    Returns:
        The calls, the samples at the start and end of the measured part, and the callers'
        CPU seconds per second over the whole run.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_caller_process, args=(config, turns, count, pattern, call_s, send)
    )
    callers0, wall0 = _children_cpu_s(), time.monotonic()
    child.start()
    began: float = receive.recv()
    first = _Sample(rasa_pid)
    if pattern is Pattern.STEADY:
        full_at, stop_at = _window(count, call_s)
        time.sleep(max(0.0, began + full_at - time.monotonic()))
        first = _Sample(rasa_pid)
        time.sleep(max(0.0, began + stop_at - time.monotonic()))
        last = _Sample(rasa_pid)
    placed: list[Placed] = receive.recv()
    if pattern is not Pattern.STEADY:
        last = _Sample(rasa_pid)
    child.join(timeout=60)
    # The child is reaped by now: its CPU is in RUSAGE_CHILDREN.
    callers = (_children_cpu_s() - callers0) / (time.monotonic() - wall0)
    return placed, first, last, callers


class _Events:
    """Collects the gateway's call events."""

    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    async def __call__(self, event: CallEvent) -> None:
        if event.type in (CallEventType.TTS_START, CallEventType.STT_END,
                          CallEventType.DIALOGUE_END, CallEventType.ERROR):
            self.events.append(event)

    def take(self) -> list[CallEvent]:
        taken, self.events = self.events, []
        return taken


def _server_side(events: list[CallEvent]) -> dict[str, Any]:
    first = [e.data["latency_s"] for e in events
             if e.type is CallEventType.TTS_START and e.data.get("stage") == "first-audio"]
    stt = [e.data["speech_end_s"] for e in events if e.type is CallEventType.STT_END]
    dialogue = [e.data["duration_s"] for e in events
                if e.type is CallEventType.DIALOGUE_END and e.data.get("keys")]
    answers = [e.data.get("stages", {}) for e in events
               if e.type is CallEventType.TTS_START and e.data.get("stage") == "first-audio"]
    return {
        "stages": {name: latency_ms([a[name] for a in answers if name in a]) for name in STAGES},
        "processing_end_of_turn_to_first_frame": latency_ms(first),
        "stt_final": latency_ms(stt),
        "dialogue": latency_ms(dialogue),
        "errors": dict(Counter(e.key or "?" for e in events if e.type is CallEventType.ERROR)),
    }


def _warm_speech(voice: VoiceService, turns: list[CallerTurn]) -> bytes:
    """What the benchmark's recognizers warm up on: what the server warms its own with at
    start-up (`telephony.speech_engines.WARM_UP`), then the callers' first sentence."""
    return warm_up_speech(voice.synthesis) + ulaw_to_pcm16(b"".join(turns[0].frames)).tobytes()


def _warm(voice: VoiceService, speech: bytes, count: int) -> None:
    """As many warm recognizers as calls, as a pool is after its first busy hour (voice-costs
    V6: a fresh recognizer's first utterance costs ~3×), each warmed on ``speech``
    (`_warm_speech`)."""
    engine = voice.recognizers
    if isinstance(engine, VoskEngine) and engine.idle < count:
        engine.prewarm(count - engine.idle, speech)
    elif isinstance(engine, RecognitionWorkers):
        if engine.warmed < count:
            engine.prewarm(count - engine.warmed, speech)
        # Also the warm-up the workers start with (`VOSK_WARM_RECOGNIZERS`, in the background):
        # `warmed` counts what was asked, and a level started meanwhile measured it too.
        _quiet_workers()
    # As a serving gateway does once its speech engines are ready (`standardiste.server`).
    settle_heap("the benchmark's warm-up")


def _quiet_workers(limit_s: float = 120.0) -> None:
    """Wait until the recognition workers are done warming up: their prewarm is posted, not
    awaited, and a level started meanwhile would share the cores with it."""
    deadline = time.monotonic() + limit_s
    before = _workers_cpu_s()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _workers_cpu_s()
        if now - before < 0.05:
            return
        before = now


def _level(
    config: Twilio,
    turns: list[CallerTurn],
    count: int,
    events: _Events,
    rasa_pid: int,
    pattern: Pattern,
    call_s: float = 0.0,
) -> dict[str, Any]:
    events.take()
    load = os.getloadavg()[0]
    rss0 = _rss_mb(os.getpid())
    placed, first, last, callers = _run_callers(config, turns, count, pattern, call_s, rasa_pid)
    measured = [p for p in placed if p.measured]
    sids = {p.call_sid for p in measured}
    wall = max(1e-6, last.at - first.at)
    at_once = 1 if pattern is Pattern.ONE_BY_ONE else count
    threads = {k: round((v - first.threads[k]) / wall, 2) for k, v in last.threads.items()}
    cpu = (last.cpu - first.cpu) / wall
    v2v = [t for p in measured for t in p.turns_s if t is not None]
    missing = sum(1 for p in measured for t in p.turns_s if t is None)
    greetings = [p.greeting_s for p in measured if p.greeting_s is not None]
    return {
        "calls": at_once,
        "pattern": str(pattern),
        "measured_calls": len(measured),
        "placed_calls": len(placed),
        "call_s": round(statistics.median(p.duration_s for p in measured), 1) if measured else 0,
        "load_before": round(load, 2),
        "voice_to_voice": latency_ms(v2v),
        "unanswered_turns": missing,
        "greeting": latency_ms(greetings),
        **_server_side([e for e in events.take() if e.call_sid in sids]),
        "gateway_cores": round(cpu, 2),
        "gateway_cores_per_call": round(cpu / at_once, 3),
        "cores_per_call": round((cpu + (last.rasa - first.rasa) / wall) / at_once, 3),
        "rasa_cores": round((last.rasa - first.rasa) / wall, 2),
        "gateway_threads_cores": threads,
        "callers_cores": round(callers, 2),
        "gateway_rss_mb": round(last.rss),
        "rss_growth_mb_per_call": round(max(0.0, last.rss - rss0) / at_once, 1),
        "all_turns_under_limit": missing == 0 and bool(v2v) and max(v2v) <= TURN_LIMIT_S,
    }


def main() -> dict[str, Any]:
    """Start the gateway and Rasa, play simulated calls, print and record the figures."""
    with tempfile.TemporaryDirectory(prefix="standardiste-voice-bench-") as tmp:
        folder = Path(tmp)
        rasa_port, port = free_port(), free_port()
        settings = Settings(
            _env_file=None,
            standardiste_config=PROJECT_ROOT / "config" / "practice.yaml",
            database_url=f"sqlite:///{folder / 'bench.db'}",
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            twilio_auth_token=TOKEN,
            public_base_url=PUBLIC,
            standardiste_var_dir=folder / "var",
        )
        upgrade(settings.database_url)
        context = build_context(settings)
        store = context.practice_store
        config = store.current()
        always = config.answering.model_copy(update={"mode": AnsweringMode.ALWAYS})
        store.save(config.model_copy(update={"answering": always}), actor="bench",
                   expected_version=store.version)
        events = _Events()
        server = uvicorn.Server(uvicorn.Config(
            create_app(context=context), host="127.0.0.1", port=port, log_config=None,
            ws_ping_interval=None,
        ))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        endpoints = write_endpoints(
            folder / "endpoints.yml", action_url=f"http://127.0.0.1:{port}/dialogue/webhook",
            action_token=action_token(settings), tracker_db=str(folder / "tracker.db"),
        )
        model = ensure_model(settings.rasa_venv, settings.rasa_model_dir)
        rasa = subprocess.Popen(
            server_command(settings.rasa_venv, model, endpoints, port=rasa_port),
            env=rasa_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        twilio = Twilio(gateway=f"http://127.0.0.1:{port}", public_base=PUBLIC, auth_token=TOKEN)
        searches = {}
        try:
            wait_until_ready(
                f"http://127.0.0.1:{rasa_port}", rasa, token=rasa_auth_token(settings)
            )
            at_once = _at_once(settings, context, events, twilio, rasa.pid)
            if not _ONLY:
                _write_at_once(at_once)
            for name, overrides in SEARCHES.items() if RAMPS else ():
                searches[name] = _ramp(
                    settings.model_copy(update=overrides), context, events, twilio, rasa.pid
                )
        finally:
            rasa.terminate()
            rasa.wait(timeout=30)
            server.should_exit = True
            thread.join(timeout=10)
            context.db.dispose()
    results = {"at_once": at_once, "searches": searches}
    if searches:
        _write_docs(results)
    return results


def _at_once(
    settings: Settings, context: AppContext, events: _Events, twilio: Twilio, rasa_pid: int
) -> dict[str, Any]:
    """Many callers finishing their sentences at the same moment (lockstep), and calls
    arriving `STAGGER_S` apart: the shipped search, one level after the other."""
    engines = load_speech_engines(
        settings, vosk=VoskParams(max_idle=STAGGERED_CALLS), prewarm=2
    )
    voice = VoiceService(engines.recognition, engines.synthesis)
    voice.prompt_audio(context.practice, wait=True)
    voice.observers.append(events)
    context.speech = voice
    turns = _caller_turns(voice)
    warm_speech = _warm_speech(voice, turns)
    _run_callers(twilio, turns, 1, Pattern.ONE_BY_ONE, 0.0, rasa_pid)  # Rasa's first actions
    levels = []
    for count in LOCKSTEP_LEVELS:
        _warm(voice, warm_speech, count)
        levels.append(_level(twilio, turns, count, events, rasa_pid, Pattern.LOCKSTEP))
        _print_level(levels[-1])
    if not _ONLY or "staggered" in _ONLY:
        _warm(voice, warm_speech, STAGGERED_CALLS)
        levels.append(
            _level(twilio, turns, STAGGERED_CALLS, events, rasa_pid, Pattern.STAGGERED)
        )
        _print_level(levels[-1])
    engines.recognition.shutdown()
    return {"levels": levels, "adaptive": settings.vosk_adaptive_search}


def _write_at_once(results: dict[str, Any]) -> None:
    stage_heads = " | ".join(STAGES)
    lines = [
        "## Voice: callers at once",
        "",
        f"`python -m benchmarks voice`, {time.strftime('%Y-%m-%d')}, the shipped Vosk search"
        + (", with the tight one for utterances that start when the cores cannot afford it "
           "(`VOSK_ADAPTIVE_SEARCH=true`). " if results.get("adaptive") else " only. ")
        +
        f"*N lockstep*: N calls started together, every caller saying the same {TURNS_PER_CALL} "
        "sentences, so they finish speaking at the same moment, turn after turn. "
        f"*{STAGGERED_CALLS} staggered*: calls started {STAGGER_S} s apart. Voice-to-voice = "
        "end of the caller's speech → first audio heard (with the end-of-turn silence). "
        "Stages (gateway side, `standardiste_turn_stage_seconds` on /metrics): end of speech → "
        "end-of-turn decision → recognizer final → dialogue → first synthesis → first frame. "
        "Times p50 / p95 ms; cores per call = (gateway + Rasa) / calls; \"load\" = the "
        "machine's 1-minute load average as the level started (a shared machine: other work "
        "ran beside it).",
        "",
        f"| calls | voice-to-voice | unanswered | greeting | {stage_heads} | gateway cores "
        "| Rasa cores | cores per call | load |",
        "|---|---|---|---|" + "---|" * len(STAGES) + "---|---|---|---|",
    ]
    for level in results["levels"]:
        v2v, stages = level["voice_to_voice"], level["stages"]
        cells = " | ".join(f"{stages[n]['p50_ms']} / {stages[n]['p95_ms']}" for n in STAGES)
        lines.append(
            f"| {level['calls']} {level['pattern']} | {v2v['p50_ms']} / {v2v['p95_ms']} | "
            f"{level['unanswered_turns']} | {level['greeting']['p50_ms']} / "
            f"{level['greeting']['max_ms']} | {cells} | {level['gateway_cores']} | "
            f"{level['rasa_cores']} | {level['cores_per_call']} | {level['load_before']} |"
        )
    write_section("Voice: callers at once", lines)


def _ramp(
    settings: Settings, context: AppContext, events: _Events, twilio: Twilio, rasa_pid: int
) -> dict[str, Any]:
    """One decoding search: engines loaded, one call at a time, N lines busy (ramped), a surge."""
    started = time.monotonic()
    engines = load_speech_engines(settings, vosk=VoskParams(max_idle=max(LEVELS)), prewarm=2)
    voice = VoiceService(engines.recognition, engines.synthesis)
    voice.prompt_audio(context.practice, wait=True)
    load_s = time.monotonic() - started
    voice.observers.append(events)
    context.speech = voice
    turns = _caller_turns(voice)
    warm_speech = _warm_speech(voice, turns)
    print(f"voice/search {engines.search.options or 'as shipped'}: engines loaded in "
          f"{load_s:.1f} s", flush=True)
    _run_callers(twilio, turns, 1, Pattern.ONE_BY_ONE, 0.0, rasa_pid)  # Rasa's first actions
    single = _level(twilio, turns, SINGLE_CALLS, events, rasa_pid, Pattern.ONE_BY_ONE)
    _print_level(single)
    call_s = single["call_s"]
    ramp = []
    for count in LEVELS:
        _warm(voice, warm_speech, count)
        figures = _level(twilio, turns, count, events, rasa_pid, Pattern.STEADY, call_s)
        ramp.append(figures)
        _print_level(figures)
        if figures["voice_to_voice"]["p50_ms"] > 1000 * TURN_LIMIT_S or figures["unanswered_turns"]:
            break  # past saturation: more calls only take longer
        if len(ramp) >= 2 and not any(r["all_turns_under_limit"] for r in ramp[-2:]):
            break
    passing = [level["calls"] for level in ramp if level["all_turns_under_limit"]]
    best = max(passing) if passing else (1 if single["all_turns_under_limit"] else 0)
    surge_count = max(best, LEVELS[0])
    _warm(voice, warm_speech, surge_count)
    surge = _level(twilio, turns, surge_count, events, rasa_pid, Pattern.SURGE)
    _print_level(surge)
    engines.recognition.shutdown()
    print(f"voice/calls at once with every turn ≤ {TURN_LIMIT_S} s: {best}", flush=True)
    return {
        "engines_load_s": round(load_s, 1),
        "one_call": single,
        "ramp": ramp,
        "surge": surge,
        "max_calls_all_turns_under_1_5_s": best,
    }


def _caller_turns(voice: VoiceService) -> list[CallerTurn]:
    return [CallerTurn(text, tuple(voice.synthesis.synthesize_frames(text))) for text in SENTENCES]



def _print_level(level: dict[str, Any]) -> None:
    v2v, proc = level["voice_to_voice"], level["processing_end_of_turn_to_first_frame"]
    threads = level["gateway_threads_cores"]
    print(
        f"voice/{level['calls']} calls ({level['pattern']}, {level['measured_calls']} measured "
        f"of {level['placed_calls']}, call {level['call_s']} s): voice-to-voice p50 "
        f"{v2v['p50_ms']} p95 {v2v['p95_ms']} "
        f"max {v2v['max_ms']} ms; processing p50 {proc['p50_ms']} p95 {proc['p95_ms']} ms; "
        f"stt final p95 {level['stt_final']['p95_ms']} ms; greeting p50 "
        f"{level['greeting']['p50_ms']} ms; unanswered {level['unanswered_turns']}; gateway "
        f"{level['gateway_cores']} cores (vosk {threads['vosk']}, piper {threads['piper']}, "
        f"other {threads['other']}), rasa {level['rasa_cores']}, callers "
        f"{level['callers_cores']}; rss {level['gateway_rss_mb']} MB; errors {level['errors']}",
        flush=True,
    )
    stages = level.get("stages", {})
    print("voice/  stages p50 / p95 ms: " + "; ".join(
        f"{name} {fig['p50_ms']} / {fig['p95_ms']}" for name, fig in stages.items() if fig["n"]
    ), flush=True)


def _row(level: dict[str, Any]) -> str:
    v2v, proc = level["voice_to_voice"], level["processing_end_of_turn_to_first_frame"]
    threads = level["gateway_threads_cores"]
    return (
        f"| {level['calls']} {level['pattern']} | {level['measured_calls']} | "
        f"{proc['p50_ms']} / {proc['p95_ms']} | {v2v['p50_ms']} / "
        f"{v2v['p95_ms']} / {v2v['max_ms']} | {level['greeting']['p50_ms']} | "
        f"{level['stt_final']['p50_ms']} / {level['stt_final']['p95_ms']} | "
        f"{level['dialogue']['p50_ms']} / {level['dialogue']['p95_ms']} | "
        f"{level['unanswered_turns']} | "
        f"{level['gateway_cores']} ({level['gateway_cores_per_call']}) | "
        f"{threads['vosk']} / {threads['piper']} / {threads['other']} | {level['rasa_cores']} | "
        f"{level['callers_cores']} | {level['gateway_rss_mb']} | "
        f"{'yes' if level['all_turns_under_limit'] else 'no'} | {level['load_before']} |"
    )


def _limit(name: str, search: dict[str, Any]) -> str:
    """Where the CPU went at the first level that failed (or the last one), in one sentence."""
    ramp = search["ramp"]
    if not ramp:
        return ""
    level = next((r for r in ramp if not r["all_turns_under_limit"]), ramp[-1])
    threads = level["gateway_threads_cores"]
    busy = level["gateway_cores"] + level["rasa_cores"] + level["callers_cores"]
    return (
        f"- Search {name}, {level['calls']} lines busy: {busy:.2f} of 2 cores busy (gateway "
        f"{level['gateway_cores']}: recognition {threads['vosk']}, synthesis {threads['piper']}, "
        f"event loop and the rest {threads['other']}; Rasa {level['rasa_cores']}; the simulated "
        f"callers {level['callers_cores']}), recognizer finalisation p95 "
        f"{level['stt_final']['p95_ms']} ms, dialogue p95 {level['dialogue']['p95_ms']} ms."
    )


def _write_docs(results: dict[str, Any]) -> None:
    lines = [
        "## Voice",
        "",
        f"`python -m benchmarks voice`, {time.strftime('%Y-%m-%d')}. Real Vosk (packaged Korean "
        "model) and Piper (joe voice, French phonemes), real Rasa, simulated callers in a child "
        "process playing Twilio over the real WebSocket in real time "
        f"({TURNS_PER_CALL} turns per call, French sentences said by the real voice).",
        "Processing = the gateway's end-of-turn decision → its first outbound frame; "
        "voice-to-voice = end of the caller's speech → first audio heard (includes the 0.6 s "
        "end-of-turn window). Times in ms (p50 / p95, and max for voice-to-voice).",
        "",
        f"Rows: *one by one* = {SINGLE_CALLS} calls one after another. *N steady* = N lines "
        "busy at once, each placing calls back to back, the lines' calls spread evenly over one "
        "call's length (as calls arrive on a practice's lines); only the calls that started "
        f"once all N lines were busy are measured, over {STEADY_WINDOW_S:.0f} s, and the lines "
        "stay busy until those calls end. CPU and memory are sampled over that window. *N "
        "surge* = N calls answered within 3 s that follow the same script in step (every "
        "caller speaks and waits at the same moments): the worst case, at the steady ceiling.",
        "",
        "Cores: the gateway process (per call), split into its recognition / synthesis / "
        "other threads, the Rasa server and the callers' process. Before each level the "
        "recognizer pool holds one warm recognizer per call. \"load before\": the machine's "
        "1-minute load average as the level started. Each Vosk decoding search "
        "(`VOSK_MAX_ACTIVE`, `VOSK_BEAM`, see `.env.example`) is ramped separately.",
        "",
    ]
    for name, search in results["searches"].items():
        lines += [
            f"### Search: {name}",
            "",
            "| calls | measured | processing | voice-to-voice | greeting | stt final "
            "| dialogue | unanswered | gateway cores (per call) | vosk / piper / other "
            "| Rasa cores | callers cores | gateway RSS MB | all turns ≤ 1.5 s | load before |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            _row(search["one_call"]),
            *(_row(level) for level in search["ramp"]),
            _row(search["surge"]),
            "",
            f"Calls at once (steady) with every turn ≤ 1.5 s: "
            f"**{search['max_calls_all_turns_under_1_5_s']}**. Engines + prompts load: "
            f"{search['engines_load_s']} s.",
            "",
        ]
    lines += [
        "Where the ceiling is, at the first steady level that missed the 1.5 s bound:",
        "",
        *(_limit(name, search) for name, search in results["searches"].items()),
        "",
    ]
    write_section("Voice", lines)

run = main

if __name__ == "__main__":
    main()
