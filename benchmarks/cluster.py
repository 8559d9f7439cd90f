"""Cluster load benchmark: concurrent bookings and simulated calls through nginx.

The whole production topology runs as `make run-cluster` starts it (PostgreSQL, Redis, two Rasa
replicas on the shared tracker and lock stores, two gateways, nginx; honcho on a generated
Procfile), on free loopback ports and a temporary folder. Then, through nginx only:

- text: booking conversations on ``/api/chat`` (each its own patient, time preference and
  choice, all on the same simulated morning so that they compete for the same slots), in waves
  of 8, 16 and 32 at once;
- mixed: 16 conversations at once while a few simulated Twilio calls (real WebSocket, real
  Vosk and Piper in the gateways) run beside them.

Checked at the end, in PostgreSQL: no HTTP error; no two booked appointments of a practitioner
overlap; every conversation and call has its record closed with an outcome; each booking the
assistant announced is in the agenda under that conversation. Reported: turn latency p50/p95
per wave, the spread over the gateways, and each process's CPU (from /proc) to show where the
ceiling is. Run with ``python -m benchmarks cluster``; about five minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

import cluster
from benchmarks._figures import latency_ms, write_section
from core import AnsweringMode, Settings
from standardiste.app import build_context
from standardiste.simulator import caller_turns, run_simulator
from tests.clock import local, quiet_monday

TOKEN = "bench-api-token-0123456789"  # noqa: S105 (a throwaway cluster's secrets)
TWILIO_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105
PUBLIC = "https://standardiste.bench.invalid"
CALLER = "+33612{:04d}78"
"""Each conversation calls from its own number: a number that booked before is a known caller,
whom the assistant asks « C'est bien pour … ? » first, and the script would not follow."""
WAVES = (8, 16, 32)
# A Tuesday whose week and the waves' weeks after it have no closure or holiday.
AT = local(quiet_monday(weeks=len(WAVES) + 2) + dt.timedelta(days=1), 10)
MIXED_TEXT = 16
VOICE_CALLS = 3
GATEWAYS = 2
RASAS = 2
PREFERENCES = ("jeudi matin", "le plus tôt possible", "mardi après-midi", "lundi matin",
               "vendredi", "jeudi après-midi")
CHOICES = ("le 1er", "le 2ème", "le 3ème")
NAMES = ("moreau", "dupont", "bernard", "petit", "robert", "richard", "durand", "leroy",
         "simon", "laurent", "lefebvre", "michel", "garcia", "david", "bertrand", "roux")
FIRST_NAMES = ("paul", "marie", "anne", "jean", "claire", "louis", "sophie", "marc")
SENTENCES = ("Bonjour, je voudrais prendre un rendez-vous.", "Jeudi matin si possible.",
             "Dupont.", "Oui, c'est bien ça.")


@dataclass
class Conversation:
    """One scripted booking conversation and what happened to it."""

    index: int
    session_id: str = ""
    latencies: list[float] = field(default_factory=list)
    upstreams: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    booked: bool = False
    keys: list[list[str]] = field(default_factory=list)
    at: str = AT

    def script(self) -> list[str]:
        """Its turns: a consultation with Dr Martin, then whatever identity it is (the full
        name in one answer, as the booking asks for it)."""
        i = self.index
        second = "" if i < len(NAMES) else " " + NAMES[(i // len(NAMES)) % len(NAMES)]
        born = f"le {1 + i % 27} {('mars', 'juin', 'octobre')[i % 3]} {1940 + i % 50}"
        return [
            "je voudrais un rendez-vous pour une consultation avec le docteur martin",
            PREFERENCES[i % len(PREFERENCES)],
            CHOICES[i % len(CHOICES)],
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {NAMES[i % len(NAMES)]}{second}",
            born,
            "oui",
            "oui c'est ça",
            "non merci",
        ]


def _post(http: httpx.Client, conv: Conversation, url: str, body: dict[str, Any]) -> Any:
    began = time.perf_counter()
    reply = http.post(url, json=body)
    conv.latencies.append(time.perf_counter() - began)
    conv.upstreams[reply.headers.get("X-Standardiste-Upstream", "?")] += 1
    if reply.status_code >= 400:
        conv.errors.append(f"{url}: HTTP {reply.status_code}")
        return None
    return reply.json()


def _converse(base: str, conv: Conversation) -> Conversation:
    """Play one conversation; hang up (DELETE) if the script ran out before the goodbye."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            began = time.perf_counter()
            caller = CALLER.format(conv.index)
            opened = http.post("/api/chat", json={"caller": caller, "at": conv.at})
            conv.latencies.append(time.perf_counter() - began)
            if opened.status_code != 201:
                conv.errors.append(f"open: HTTP {opened.status_code}")
                return conv
            conv.session_id = opened.json()["session_id"]
            ended = False
            for text in conv.script():
                answer = _post(http, conv, f"/api/chat/{conv.session_id}", {"text": text})
                if answer is None:
                    break
                keys = [str(r["key"]) for r in answer["replies"]]
                conv.keys.append(keys)
                conv.booked = conv.booked or "utter_booked" in keys
                if answer["ended"]:
                    ended = True
                    break
            if not ended:
                gone = http.delete(f"/api/chat/{conv.session_id}")
                if gone.status_code != 204:
                    conv.errors.append(f"hang up: HTTP {gone.status_code}")
    except httpx.HTTPError as exc:
        conv.errors.append(f"{type(exc).__name__}: {exc}")
    return conv


# --- CPU per process, from /proc -------------------------------------------------------------

def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each named process and all its descendants (PostgreSQL's backends)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            parents[int(entry.name)], cpu[int(entry.name)] = found
    totals = {}
    for name, root in roots.items():
        total = 0.0
        for pid in cpu:
            ancestor: int | None = pid
            while ancestor and ancestor != root:
                ancestor = parents.get(ancestor)
            if ancestor == root:
                total += cpu[pid]
        totals[name] = total
    return totals


def _processes(log: Path) -> dict[str, int]:
    """The pid of each Procfile process, from honcho's ``started (pid=…)`` lines."""
    found = re.findall(r"system\s+\| (\S+)\.1 started \(pid=(\d+)\)", log.read_text())
    return {name: int(pid) for name, pid in found}


# --- the phases -------------------------------------------------------------------------------

def _wave(base: str, first: int, count: int, week: int) -> list[Conversation]:
    """``count`` conversations at once, all on the same simulated morning (``week`` weeks
    after AT), so that they compete for the same slots."""
    at = (dt.datetime.fromisoformat(AT) + dt.timedelta(weeks=week)).isoformat()
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda i: _converse(base, Conversation(i, at=at)),
                             range(first, first + count)))


def _calls(settings: Settings, base: str, turns: list[Any], count: int) -> list[Any]:
    def one(_: int) -> Any:
        return run_simulator(settings, turns, gateway=base, end="stop")

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def _measured(roots: dict[str, int], run: Any) -> tuple[Any, dict[str, float], float]:
    before, began = _tree_cpu(roots), time.monotonic()
    result = run()
    wall = time.monotonic() - began
    after = _tree_cpu(roots)
    return result, {name: round((after[name] - before[name]) / wall, 2) for name in roots}, wall


def _summary(convs: list[Conversation], cores: dict[str, float], wall: float,
             load: float) -> dict[str, Any]:
    spread: Counter[str] = Counter()
    for conv in convs:
        spread.update(conv.upstreams)
    return {
        "conversations": len(convs),
        "turns": latency_ms([t for c in convs for t in c.latencies]),
        "booked": sum(c.booked for c in convs),
        "errors": sum(len(c.errors) for c in convs),
        "wall_s": round(wall, 1),
        "turns_per_s": round(sum(len(c.latencies) for c in convs) / wall, 1),
        "cores": cores,
        "by_gateway": dict(sorted(spread.items())),
        "load_before": round(load, 2),
    }


def _checks(url: str, convs: list[Conversation], calls: list[Any]) -> dict[str, Any]:
    """What PostgreSQL says: overlaps, closed records with outcomes, announced bookings."""
    sids = [c.session_id for c in convs if c.session_id] + [c.call_sid for c in calls]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as db:
        overlaps = db.execute(
            "SELECT count(*) FROM appointments a JOIN appointments b"
            " ON a.practitioner_id = b.practitioner_id AND a.id < b.id"
            " AND a.start < b.\"end\" AND b.start < a.\"end\""
            " WHERE a.status = 'booked' AND b.status = 'booked'"
        ).fetchone()
        closed = db.execute(
            "SELECT count(*) FROM calls WHERE call_sid = ANY(%s)"
            " AND ended_at IS NOT NULL AND outcome IS NOT NULL",
            (sids,),
        ).fetchone()
        outcomes = dict(db.execute(
            "SELECT outcome, count(*) FROM calls WHERE call_sid = ANY(%s) GROUP BY outcome",
            (sids,),
        ).fetchall())
        in_agenda = {row[0] for row in db.execute(
            "SELECT call_sid FROM appointments WHERE status = 'booked' AND call_sid = ANY(%s)",
            (sids,),
        ).fetchall()}
    announced = {c.session_id for c in convs if c.booked}
    unannounced = in_agenda - announced - {c.call_sid for c in calls}
    for conv in convs:
        if conv.session_id in unannounced:
            print(f"cluster/booked but not announced: {conv.session_id}: last replies "
                  f"{conv.keys[-3:]}", flush=True)
    return {
        "records": len(sids),
        "closed_with_outcome": closed[0] if closed else 0,
        "outcomes": {str(k): v for k, v in outcomes.items()},
        "double_bookings": overlaps[0] if overlaps else -1,
        "announced_bookings": len(announced),
        "announced_but_missing": len(announced - in_agenda),
        "booked_but_not_announced": len(unannounced),
    }


def _always_answer(settings: Settings) -> None:
    context = build_context(settings)
    try:
        store = context.practice_store
        config = store.current()
        always = config.answering.model_copy(update={"mode": AnsweringMode.ALWAYS})
        store.save(config.model_copy(update={"answering": always}), actor="bench",
                   expected_version=store.version)
    finally:
        context.db.dispose()


def main() -> dict[str, Any]:
    """Start the cluster, load it, check the database, print and record the figures."""
    folder = Path(tempfile.mkdtemp(prefix="standardiste-cluster-bench-"))
    shape = cluster.ClusterSettings.on_free_ports(folder, gateways=GATEWAYS, rasas=RASAS)
    env = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "PUBLIC_BASE_URL": PUBLIC,
           "STANDARDISTE_API_TOKEN": TOKEN, "STANDARDISTE_VAR_DIR": str(folder / "var"),
           # One access-log line per request through honcho's pipes would be measured too.
           "STANDARDISTE_LOG_LEVEL": "WARNING"}
    handle = cluster.Cluster(shape, env=env, log=folder / "cluster.log")
    settings = Settings(_env_file=None, database_url=handle.database_url,
                        twilio_auth_token=TWILIO_TOKEN, public_base_url=PUBLIC,
                        standardiste_var_dir=folder / "var")
    started = time.monotonic()
    results: dict[str, Any] = {"machine": {"cores": os.cpu_count(),
                                           "load_at_start": round(os.getloadavg()[0], 2)}}
    try:
        handle.start(timeout=600)
        results["start_s"] = round(time.monotonic() - started, 1)
        base = handle.base_url
        # honcho's tree holds every process of the cluster: its total.
        roots = {**_processes(handle.log), "cluster total": handle.pid or 0}
        _always_answer(settings)
        # Warm-up, outside the figures: each gateway loads its speech engines in the background
        # after it starts (a call waits for them), and Rasa's first actions load the domain.
        turns = caller_turns(settings, says=list(SENTENCES), wavs=[], digits=[])
        for port in shape.gateway_ports().values():
            run_simulator(settings, turns[:1], gateway=f"http://127.0.0.1:{port}")
        _converse(base, Conversation(999))
        convs: list[Conversation] = []
        waves = []
        first = 0
        for week, size in enumerate(WAVES):
            load = os.getloadavg()[0]
            wave, cores, wall = _measured(
                roots, lambda s=size, f=first, w=week: _wave(base, f, s, w))
            convs += wave
            first += size
            waves.append(_summary(wave, cores, wall, load))
            _print_wave(f"{size} at once", waves[-1])
            # A script the dialogue no longer follows shows here, not only as "0 booked".
            print(f"cluster/{size} at once, one conversation's replies: {wave[0].keys}",
                  flush=True)
        load = os.getloadavg()[0]
        box: dict[str, Any] = {}

        def mixed() -> list[Conversation]:
            voice = threading.Thread(
                target=lambda: box.update(calls=_calls(settings, base, turns, VOICE_CALLS)))
            voice.start()
            text = _wave(base, first, MIXED_TEXT, len(WAVES))
            voice.join()
            return text

        wave, cores, wall = _measured(roots, mixed)
        convs += wave
        calls = box.get("calls", [])
        mixed_figures = _summary(wave, cores, wall, load)
        latencies = [t for call in calls for t in call.turn_latencies_s if t is not None]
        mixed_figures["voice"] = {
            "calls": len(calls),
            "voice_to_voice": latency_ms(latencies),
            "unanswered_turns": sum(t is None for c in calls for t in c.turn_latencies_s),
            "greeting": latency_ms([c.greeting_latency_s for c in calls
                             if c.greeting_latency_s is not None]),
        }
        _print_wave(f"{MIXED_TEXT} at once + {VOICE_CALLS} calls", mixed_figures)
        time.sleep(2)  # the last hang-ups close their records
        results.update(waves=waves, mixed=mixed_figures,
                       checks=_checks(handle.database_url, convs, calls))
    finally:
        handle.stop()
        shutil.rmtree(folder, ignore_errors=True)
    results["load_at_end"] = round(os.getloadavg()[0], 2)
    print(f"cluster/checks: {results['checks']}", flush=True)
    _write_docs(results)
    return results


def _print_wave(name: str, figures: dict[str, Any]) -> None:
    turns = figures["turns"]
    print(
        f"cluster/{name}: {turns['n']} turns, p50 {turns['p50_ms']} ms, p95 {turns['p95_ms']} "
        f"ms, {figures['turns_per_s']} turns/s, {figures['booked']} booked, "
        f"{figures['errors']} errors; by gateway {figures['by_gateway']}; cores "
        f"{figures['cores']}",
        flush=True,
    )


def _cores(cores: dict[str, float]) -> str:
    return ", ".join(f"{name} {value}" for name, value in sorted(cores.items()) if value >= 0.05)


def _ceiling(waves: list[dict[str, Any]], cores: int) -> str:
    """Where the time went: throughput against concurrency, and the cores per process."""
    low, top = waves[0], waves[-1]
    used = dict(top["cores"])
    total = used.pop("cluster total", sum(used.values()))
    name, busiest = max(used.items(), key=lambda item: item[1])
    cpu_ms = round(busiest / top["turns_per_s"] * 1000) if top["turns_per_s"] else 0
    text = (
        f"Where the ceiling is: from {low['conversations']} to {top['conversations']} "
        f"conversations at once, throughput went from {low['turns_per_s']} to "
        f"{top['turns_per_s']} turns/s while the median turn went from "
        f"{low['turns']['p50_ms']} to {top['turns']['p50_ms']} ms. The whole cluster used "
        f"{total:.2f} of the {cores} cores, the most in **{name}** ({busiest} cores, about "
        f"{cpu_ms} ms of CPU per turn). "
    )
    if top["turns_per_s"] <= 1.15 * low["turns_per_s"]:
        return text + (
            f"Throughput is flat, so turns queue in front of {name}: a single Python process "
            "uses one core at most (less on a shared machine). The gateways are far from "
            "theirs; adding gateways adds nothing here. "
            + ("The next step is another Rasa replica on the same tracker store and Redis "
               "lock store (`STANDARDISTE_CLUSTER_RASAS`, docs/deployment.md)."
               if name.startswith("rasa") else "")
        )
    return text + (
        "Throughput still grows with concurrency: no process of the cluster is saturated at "
        "this load."
    )


def _write_docs(results: dict[str, Any]) -> None:
    if "checks" not in results:
        return
    checks = results["checks"]
    rows = []
    for figures, name in [(w, f"{w['conversations']} conversations at once")
                          for w in results["waves"]] + [(results["mixed"], (
                              f"{MIXED_TEXT} conversations + {VOICE_CALLS} calls"))]:
        turns = figures["turns"]
        rows.append(
            f"| {name} | {turns['n']} | {turns['p50_ms']} / {turns['p95_ms']} / "
            f"{turns['max_ms']} | {figures['turns_per_s']} | {figures['booked']} | "
            f"{figures['errors']} | {_cores(figures['cores'])} | {figures['load_before']} |"
        )
    voice = results["mixed"]["voice"]
    top = max(results["waves"], key=lambda w: w["conversations"])
    ceiling = _ceiling(results["waves"], results["machine"]["cores"] or 2)
    lines = [
        "## Cluster",
        "",
        f"`python -m benchmarks cluster`, {dt.date.today().isoformat()}: the production "
        f"topology of `make run-cluster` on loopback (PostgreSQL 15, Redis, {RASAS} Rasa "
        "replicas (each conversation sticks to one, by its id: `RASA_URLS`), "
        f"{GATEWAYS} gateways, nginx; see docs/deployment.md), every request through nginx. "
        "Booking conversations on `/api/chat` (each its own patient, preference and choice, all "
        "on the same simulated morning, so they compete for the same slots), then the same "
        f"beside {VOICE_CALLS} simulated Twilio calls (real WebSocket, Vosk, Piper). "
        f"{os.cpu_count()} cores shared with other helpers' work: load average "
        f"{results['machine']['load_at_start']} at the start, {results['load_at_end']} at the "
        f"end; \"load\" is the 1-minute load average before each row. Cluster start-up: "
        f"{results.get('start_s')} s (mostly Rasa loading its model).",
        "",
        "| wave | turns | turn latency p50 / p95 / max (ms) | turns/s | booked | errors "
        "| cores per process | load |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Voice calls beside the text load: voice-to-voice p50 "
        f"{voice['voice_to_voice']['p50_ms']} ms, p95 {voice['voice_to_voice']['p95_ms']} ms "
        f"({voice['voice_to_voice']['n']} turns, {voice['unanswered_turns']} unanswered); "
        f"greeting p50 {voice['greeting']['p50_ms']} ms.",
        "",
        f"Checked in PostgreSQL afterwards: **{checks['double_bookings']} double bookings**; "
        f"{checks['closed_with_outcome']} of {checks['records']} conversations and calls closed "
        f"with an outcome ({checks['outcomes']}); {checks['announced_bookings']} bookings "
        f"announced to callers, {checks['announced_but_missing']} of them missing from the "
        f"agenda, {checks['booked_but_not_announced']} in the agenda but not announced. "
        f"Requests per gateway ({top['conversations']} at once): {top['by_gateway']}.",
        "",
        ceiling,
        "",
    ]
    write_section("Cluster", lines)

run = main

if __name__ == "__main__":
    main()
