"""Soak and fault benchmark: recognition in worker processes, under load and killed mid-call.

(a) Worker killed. Five calls at once on two recognition workers (real Vosk with the packaged
    Korean model, real Piper, the callers' speech said by the real voice), driven in this
    process through `telephony.CallSession` with a scripted dialogue. While every caller is
    mid-sentence, the worker serving most of them is killed (SIGKILL, then SIGSEGV once it is
    back). Reported: calls that ended normally, which callers lost their sentence, how long they
    waited from the end of it to the "répéter" prompt, and how much later than the others their
    call got its answer (the repeat included).
(b) Soak. `standardiste serve` in a child process (its workers its own children), the real Rasa
    server, callers simulated over the real WebSocket in real time (`standardiste.simulator`):
    30 calls placed 1.5 s apart, then 60 s of 20 busy lines (each placing calls back to back).
    Reported: whether the gateway process lived, worker deaths (from its /metrics), calls cut,
    calls without a closed record or without the caller's words, turn latencies.

Run with ``python -m benchmarks soak`` (about ten minutes on two cores).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import dialogue
from benchmarks._figures import latency_ms, write_section
from benchmarks._phone import Line, ScriptedDialogue
from benchmarks._soak_gateway import soak
from core import PROJECT_ROOT, Settings, load_practice
from telephony.call_events import CallEvent, CallEventType
from telephony.session import CallSession
from telephony.speech_engines import build_prompt_audio, load_speech_engines
from telephony.stt_isolated import IsolatedRecognition
from telephony.stt_workers import RecognitionWorkers
from telephony.voice_service import VoiceParams, VoiceService

CALLS = 5
SENTENCE = "Bonjour je voudrais prendre un rendez-vous avec la docteure Martin demain matin."
REPEAT = "Je voudrais un rendez-vous demain matin."
SILENCE_FRAME = b"\xff" * 160


def _settings(folder: Path) -> Settings:
    return Settings(
        _env_file=None,
        standardiste_config=PROJECT_ROOT / "config" / "practice.yaml",
        database_url=f"sqlite:///{folder / 'bench.db'}",
        standardiste_var_dir=folder / "var",
        vosk_workers=2,
    )


async def _kill_round(
    workers: RecognitionWorkers, voice: VoiceService, kill: signal.Signals | None,
    sentence: list[bytes], repeat: list[bytes],
) -> dict[str, Any]:
    """Five calls; one worker killed while every caller is mid-sentence (none killed for a
    warm-up round: a pool after its first calls, as a practice's is after the first hour)."""
    events: list[CallEvent] = []

    async def collect(event: CallEvent) -> None:
        events.append(event)

    voice.observers[:] = [collect]
    practice = load_practice(PROJECT_ROOT / "config" / "practice.yaml")
    prompt_audio = build_prompt_audio(voice.synthesis, practice)
    repeat_prompt = prompt_audio.get(dialogue.say("utter_say_again", practice).text) or ()
    lines, sessions, dialogues, recognizers = [], [], [], []
    for n in range(CALLS):
        line, recognizer = Line(), await workers.open()
        assert isinstance(recognizer, IsolatedRecognition)
        scripted = ScriptedDialogue(f"CA{time.monotonic_ns():020d}{n:012d}")
        sessions.append(CallSession(
            call_sid=scripted.conversation_id, stream_sid="MZ" + "0" * 32,
            conversation=scripted, recognizer=recognizer, voice=voice,
            prompt_audio=prompt_audio, send=line.send, hang_up=line.hang_up,
        ))
        lines.append(line)
        dialogues.append(scripted)
        recognizers.append(recognizer)
    running = [
        asyncio.create_task(s.run(line.frames())) for s, line in zip(sessions, lines, strict=True)
    ]
    began: dict[int, float] = {}
    ends: dict[int, float] = {}
    asked: dict[int, float] = {}

    async def caller(n: int) -> None:
        line = lines[n]
        await line.heard("utter_greet")
        began[n] = time.monotonic()
        await line.speak(sentence, speed=1.0)
        ends[n] = time.monotonic()
        await line.speak([SILENCE_FRAME] * 50, speed=1.0)
        if await line.heard("utter_say_again", "utter_goodbye") == "utter_say_again":
            asked[n] = line.marks["utter_say_again"]
            await line.speak(repeat + [SILENCE_FRAME] * 50, speed=1.0)
            await line.heard("utter_goodbye")

    callers = [asyncio.create_task(caller(n)) for n in range(CALLS)]
    async with asyncio.timeout(120):
        while not all(r.holding for r in recognizers):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    victim = max(workers.workers, key=lambda w: w.calls)
    hit = {n for n, r in enumerate(recognizers) if r.worker is victim} if kill else set()
    killed_at = time.monotonic()
    if kill is not None:
        os.kill(victim.pid, kill)
    async with asyncio.timeout(180):
        await asyncio.gather(*callers)
        reasons = await asyncio.gather(*running)
    goodbye = {n: lines[n].marks["utter_goodbye"] - ends[n] for n in range(CALLS)}
    spared = [goodbye[n] for n in range(CALLS) if n not in hit]
    said_again = [asked[n] - ends[n] for n in sorted(hit) if n in asked]
    lost = {e.call_sid for e in events
            if e.type is CallEventType.ERROR and e.key == "recognition-lost"}
    return {
        "signal": kill.name if kill else "none",
        "load_average": round(os.getloadavg()[0], 1),
        "repeat_prompt_s": round(len(repeat_prompt) * 0.02, 1),
        "calls": CALLS,
        "completed": sum(1 for r in reasons if r == "completed"),
        "affected": len(hit),
        "asked_to_repeat": len(lost),
        "killed_into_sentences_s": round(killed_at - statistics.median(began.values()), 2),
        "end_of_sentence_to_repeat_prompt": latency_ms(said_again),
        "answer_delay_affected": latency_ms([goodbye[n] for n in sorted(hit)]),
        "answer_delay_spared": latency_ms(spared),
        "extra_wait_s": round(
            statistics.median([goodbye[n] for n in hit]) - statistics.median(spared), 2
        ) if hit and spared else None,
    }


def _worker_kills() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="standardiste-soak-") as tmp:
        settings = _settings(Path(tmp))
        engines = load_speech_engines(settings, prewarm=CALLS)
        workers = engines.recognition
        assert isinstance(workers, RecognitionWorkers)
        voice = VoiceService(workers, engines.synthesis, params=VoiceParams(lead_s=60.0))
        synth = engines.synthesis
        sentence, repeat = synth.synthesize_frames(SENTENCE), synth.synthesize_frames(REPEAT)
        rounds = []
        try:
            for kill in (signal.SIGKILL, signal.SIGSEGV):
                if not workers.wait_ready(120):
                    raise RuntimeError("recognition workers did not start")
                asyncio.run(_kill_round(workers, voice, None, sentence, repeat))  # warm-up
                figures = asyncio.run(_kill_round(workers, voice, kill, sentence, repeat))
                print(f"soak/worker {kill.name}: {figures}", flush=True)
                rounds.append(figures)
            restarted = workers.wait_ready(120)
        finally:
            workers.shutdown()
        return {"rounds": rounds, "deaths": workers.stats.deaths,
                "restarts": workers.stats.restarts, "all_workers_back": restarted}


def main() -> dict[str, Any]:
    """Run both parts, print and record the figures."""
    results = {"worker_killed": _worker_kills(), "soak": soak()}
    _write_docs(results)
    return results


def _write_docs(results: dict[str, Any]) -> None:
    kills, load = results["worker_killed"], results["soak"]
    lines = [
        "## Soak and recognition faults",
        "",
        f"`python -m benchmarks soak`, {time.strftime('%Y-%m-%d')}. Recognition in 2 worker "
        "processes (the default `VOSK_WORKERS=2`), real Vosk (packaged Korean model) and Piper.",
        "",
        f"### A recognition worker killed mid-sentence ({CALLS} live calls)",
        "",
        "Five calls at once in the gateway process with a scripted dialogue (greeting, then "
        "goodbye to the first words understood); each caller says one sentence in real time. "
        "While every caller is mid-sentence, the worker serving most of them is killed. "
        "Affected = calls on that worker; their sentence is lost and they hear \"Pardon, "
        "pouvez-vous répéter ?\" (`utter_say_again`), then repeat a shorter sentence. Times in "
        "ms (p50 / max); answer delay = end of the first sentence → the goodbye's mark. Marks "
        "come back at once here, so the \"répéter\" prompt's own playing time "
        f"({kills['rounds'][0]['repeat_prompt_s'] if kills['rounds'] else '?'} s) is to be added "
        "to what an affected caller waits; \"load\" is the machine's 1-minute load average "
        "(above 2: other work shared the 2 cores).",
        "",
        "| signal | calls completed | affected | asked to repeat | end of sentence → "
        "\"répéter\" | answer delay, affected | answer delay, others | extra wait (median) "
        "| load |",
        "|---|---|---|---|---|---|---|---|---|",
        *(
            f"| {r['signal']} | {r['completed']} / {r['calls']} | {r['affected']} | "
            f"{r['asked_to_repeat']} | {r['end_of_sentence_to_repeat_prompt']['p50_ms']} / "
            f"{r['end_of_sentence_to_repeat_prompt']['max_ms']} | "
            f"{r['answer_delay_affected']['p50_ms']} / {r['answer_delay_affected']['max_ms']} | "
            f"{r['answer_delay_spared']['p50_ms']} / {r['answer_delay_spared']['max_ms']} | "
            f"{r['extra_wait_s']} s | {r.get('load_average', '?')} |"
            for r in kills["rounds"]
        ),
        "",
        f"Workers died {kills['deaths']} times and were restarted {kills['restarts']} times; "
        f"all back at the end: {'yes' if kills['all_workers_back'] else 'no'}.",
        "",
        *load["doc_lines"],
    ]
    write_section("Soak and recognition faults", lines)


if __name__ == "__main__":
    main()
