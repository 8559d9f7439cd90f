"""Website chat benchmark: turns per second and turn latency with 20 conversations at once.

Everything real: the gateway under uvicorn on a temporary SQLite database, the Rasa server from
.venv-rasa with the trained model, its actions served by the gateway. Each of 20 threads plays
patients one after the other through the widget's API (``POST /public/chat``, then
``POST /public/chat/{id}`` per message, with the practice site's ``Origin``): renewals, bookings,
practical questions, messages, as typed on a website (no caller number: the callback number is
typed). The origin check, the rate limits (counted in the database on every request) and the
idle check run as in production; the limits themselves are raised, since every patient here
comes from 127.0.0.1. The assistant answers at any hour (the benchmark must not depend on when it
runs). A turn is timed from the request to the complete JSON answer.
Run with ``python -m benchmarks public_chat``; about three minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from benchmarks._figures import latency_ms, write_section
from benchmarks._harness import answer_always, gateway_and_rasa
from core import AppContext

CONCURRENT = 20
CONVERSATIONS_EACH = 2
SITE = "https://www.cabinet-des-tilleuls.fr"
KEY = "cabinet-medical-des-tilleuls"
SCRIPTS: tuple[tuple[str, ...], ...] = (
    (
        "bonjour je voudrais renouveler mon levothyrox 75",
        "dupont", "marie", "le 12 mars 1954", "06 12 34 56 78", "non merci au revoir",
    ),
    (
        "je voudrais prendre rendez-vous pour un vaccin", "peu importe", "le plus tôt possible",
        "le 1er", "moreau", "paul", "le 4 septembre 1975", "06 12 34 56 78", "oui", "non merci",
    ),
    ("quels sont vos horaires", "où se trouve le cabinet", "il y a un parking", "non"),
    (
        "je voudrais laisser un message pour le docteur",
        "c'est au sujet de mes résultats", "petit", "anne", "le 8 février 1967",
        "06 12 34 56 78", "non",
    ),
)


def _patient(
    base: str, script: tuple[str, ...], statuses: Counter[int]
) -> tuple[float, list[float]]:
    """One patient's conversation: the opening's latency, and each message's."""
    headers = {"Origin": SITE}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        began = time.perf_counter()
        opened = http.post("/public/chat", json={"practice": KEY})
        start = time.perf_counter() - began
        statuses[opened.status_code] += 1
        if opened.status_code != 201:
            return start, []
        url = f"/public/chat/{opened.json()['conversation_id']}"
        turns = []
        for text in script:
            began = time.perf_counter()
            reply = http.post(url, json={"text": text})
            turns.append(time.perf_counter() - began)
            statuses[reply.status_code] += 1
            if reply.status_code != 200 or reply.json()["ended"]:
                break
    return start, turns


def _site_chat_at_any_hour(context: AppContext) -> None:
    current = context.practice_store.current()
    answer_always(context, website=current.website.model_copy(update={"origins": [SITE]}))


def main() -> dict[str, Any]:
    """Start the gateway and Rasa, play the patients, write and return the figures."""
    statuses: Counter[int] = Counter()
    with (
        tempfile.TemporaryDirectory(prefix="standardiste-public-chat-bench-") as tmp,
        gateway_and_rasa(
            Path(tmp), prepare=_site_chat_at_any_hour,
            website_chat_starts_per_address=100_000, website_chat_turns_per_address=100_000,
        ) as (base, _),
    ):
        _patient(base, SCRIPTS[2], Counter())  # warm-up: first action calls load the domain
        alone = [t for s in SCRIPTS for t in _patient(base, s, Counter())[1]]
        plays = [SCRIPTS[i % len(SCRIPTS)] for i in range(CONCURRENT * CONVERSATIONS_EACH)]
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENT) as pool:
            done = list(pool.map(lambda s: _patient(base, s, statuses), plays))
        wall = time.perf_counter() - began
    turns = [t for _, batch in done for t in batch]
    results = {
        "one_conversation_at_a_time": latency_ms(alone),
        f"{CONCURRENT}_at_once": {
            **latency_ms(turns),
            "openings": latency_ms([start for start, _ in done]),
            "turns_per_s": round(len(turns) / wall, 2),
            "wall_s": round(wall, 1),
            "statuses": dict(sorted(statuses.items())),
            "load_before": round(load_before, 1),
        },
    }
    _write(results)
    print(f"public_chat: {results}", flush=True)
    return results


def _write(results: dict[str, Any]) -> None:
    alone = results["one_conversation_at_a_time"]
    busy = results[f"{CONCURRENT}_at_once"]
    lines = [
        "## Public chat",
        "",
        f"`python -m benchmarks public_chat`, {dt.date.today().isoformat()}: the website chat's "
        "API as the widget calls it (`POST /public/chat`, then `POST /public/chat/{id}` per "
        "message, with the practice site's `Origin`), against the real Rasa server, its actions "
        "in the gateway, SQLite. Patients type renewals, bookings, practical questions and "
        "messages (the callback number typed: a website has no caller id). Origin check, rate "
        "limits (counted in the database on every request) and the idle check run as in "
        "production; the limits are raised because every patient comes from 127.0.0.1. "
        f"{os.cpu_count()} cores shared with other work (load average {busy['load_before']} "
        "before the concurrent run).",
        "",
        "| | messages | p50 | p95 | max | messages per second |",
        "|---|---|---|---|---|---|",
        f"| one conversation at a time | {alone['n']} | {alone['p50_ms']} ms | "
        f"{alone['p95_ms']} ms | {alone['max_ms']} ms | |",
        f"| {CONCURRENT} conversations at once ({CONCURRENT * CONVERSATIONS_EACH} patients) | "
        f"{busy['n']} | {busy['p50_ms']} ms | {busy['p95_ms']} ms | {busy['max_ms']} ms | "
        f"**{busy['turns_per_s']}** |",
        "",
        f"Openings (`POST /public/chat`, no Rasa round trip) at {CONCURRENT} at once: p50 "
        f"{busy['openings']['p50_ms']} ms, p95 {busy['openings']['p95_ms']} ms. HTTP statuses: "
        f"{busy['statuses']} (201 openings, 200 messages; no 429 with the raised limits). "
        f"At {CONCURRENT} at once, one message is answered every "
        f"{round(1000 / busy['turns_per_s'])} ms on average, about what a lone message takes "
        f"(p50 {alone['p50_ms']} ms): every message is a round trip to the single Rasa server "
        "(with its custom actions), whose CPU-bound work goes one message at a time, so the "
        "messages queue there; the public API's own checks (origin, two counter upserts, the "
        "idle check) are a few database statements per message.",
        "",
    ]
    write_section("Public chat", lines)


run = main

if __name__ == "__main__":
    main()
