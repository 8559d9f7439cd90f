"""Dialogue benchmark: turn latency through ``POST /api/chat/{id}``, p50 and p95.

Everything real: the gateway under uvicorn on a temporary SQLite database, the Rasa server from
.venv-rasa with the trained model, its actions served by the gateway. Scripted conversations
(renewal, booking, practical information, message) are played one at a time, then several at
once. A turn is timed from the request to the complete JSON answer (safety net, Rasa, actions,
database writes). Run with ``python -m benchmarks dialogue``; about two minutes on two cores.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from benchmarks._harness import gateway_and_rasa
from tests.clock import staffed_tuesday

TOKEN = "bench-token-0123456789"  # noqa: S105 (a throwaway gateway's token)
CALLER = "+33612345678"
AT = staffed_tuesday()
ROUNDS = 3
CONCURRENT = 4
SCRIPTS: tuple[tuple[str, ...], ...] = (
    (
        "bonjour je voudrais renouveler mon levothyrox 75",
        "dupont", "marie", "le 12 mars 1954", "oui", "non merci au revoir",
    ),
    (
        "je voudrais un rendez-vous pour une consultation avec le docteur martin",
        "jeudi matin", "le 1er", "moreau", "paul", "le 4 septembre 1975", "oui", "oui",
        "non merci",
    ),
    ("quels sont vos horaires", "où se trouve le cabinet", "il y a un parking", "non"),
    (
        "je voudrais laisser un message pour le docteur",
        "c'est au sujet de mes résultats", "petit", "anne", "le 8 février 1967", "oui", "non",
    ),
)


def _conversation(base: str, script: tuple[str, ...]) -> list[float]:
    """Play one scripted conversation; the latency of each turn in seconds."""
    timings = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        session_id = http.post("/api/chat", json={"caller": CALLER, "at": AT}).json()["session_id"]
        for text in script:
            began = time.perf_counter()
            reply = http.post(f"/api/chat/{session_id}", json={"text": text})
            timings.append(time.perf_counter() - began)
            reply.raise_for_status()
            if reply.json()["ended"]:
                break
    return timings


def _figures(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "turns": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> dict[str, Any]:
    """Start the gateway and Rasa, play the scripts, print and return the figures."""
    with (
        tempfile.TemporaryDirectory(prefix="standardiste-dialogue-bench-") as tmp,
        gateway_and_rasa(Path(tmp), standardiste_api_token=TOKEN) as (base, _context),
    ):
        _conversation(base, SCRIPTS[2])  # warm-up: first action calls load the domain
        sequential = [t for _ in range(ROUNDS) for s in SCRIPTS for t in _conversation(base, s)]
        with ThreadPoolExecutor(CONCURRENT) as pool:
            batches = pool.map(
                lambda s: _conversation(base, s), [s for _ in range(ROUNDS) for s in SCRIPTS]
            )
            concurrent = [t for batch in batches for t in batch]
    results = {
        "one_conversation_at_a_time": _figures(sequential),
        f"{CONCURRENT}_conversations_at_once": _figures(concurrent),
    }
    for name, figures in results.items():
        print(
            f"dialogue/{name}: {figures['turns']} turns, p50 {figures['p50_ms']} ms, "
            f"p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms",
            flush=True,
        )
    return results



run = main

if __name__ == "__main__":
    main()
