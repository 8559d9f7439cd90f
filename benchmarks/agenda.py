"""Agenda benchmark: 10 practitioners × 1 year, 70 % booked, on SQLite and PostgreSQL.

Measures slot search latency (p50/p95; goal p50 < 20 ms) and booking throughput with concurrent
callers (separate processes, each search → hold → confirm, competing for the same weeks).
Run with ``python -m benchmarks agenda``; about two minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import holidays
from sqlalchemy import insert, text

import agenda
from benchmarks._harness import forked_race, throwaway_postgres
from core import Database, PracticeConfig, parse_practice
from standardiste.migrate import upgrade

PRACTITIONERS = 10
BOOKED_SHARE = 0.7
SEARCHES = 300
CALLERS = 8
BOOKINGS_PER_CALLER = 20
SEED = 20270104
# A caller gives up after this many lost races (a broken run ends instead of hanging).
_MAX_LOST = 200
_RESET_SEQUENCES = (
    "SELECT setval(pg_get_serial_sequence('appointments', 'id'), max(id)) FROM appointments",
    "SELECT setval(pg_get_serial_sequence('patients', 'id'), max(id)) FROM patients",
)
# Monday 4 January 2027, 07:00 in Paris.
NOW = dt.datetime(2027, 1, 4, 6, 0, tzinfo=dt.UTC)
_SPANS = ((dt.time(8), dt.time(12)), (dt.time(14), dt.time(19)))
_TYPES = (("consultation", 20), ("longue", 40), ("vaccination", 15))


def practice() -> PracticeConfig:
    """The benchmark practice: ten full-time practitioners, a one-year horizon."""
    ids = [f"p{i:02d}" for i in range(1, PRACTITIONERS + 1)]
    week = ("monday", "tuesday", "wednesday", "thursday", "friday")
    return parse_practice(
        {
            "practice": {"name": "Bench", "address": "1 rue du Banc", "phone": "+33 4 00 00 00 00"},
            "practitioners": [
                {
                    "id": pid,
                    "name": f"Docteur {pid}",
                    "hours": {
                        day: [{"start": f"{a:%H:%M}", "end": f"{b:%H:%M}"} for a, b in _SPANS]
                        for day in week
                    },
                }
                for pid in ids
            ],
            "appointment_types": [
                {"id": tid, "label": tid, "duration_minutes": minutes, "practitioners": ids}
                for tid, minutes in _TYPES
            ],
            "booking": {"horizon_days": 365, "min_notice_minutes": 60, "hold_minutes": 5},
        }
    )


def fill(db: Database, conf: PracticeConfig) -> int:
    """Book 70 % of every practitioner's 20-minute slots for a year; returns the count."""
    rng = random.Random(SEED)
    tz = conf.tz
    french = holidays.country_holidays("FR", years=[2027, 2028])
    tables = agenda.metadata.tables
    with db.session() as session:
        agenda.sync_from_config(session, conf)
        session.execute(
            insert(tables["patients"]),
            [
                {
                    "id": i,
                    "last_name": f"Patient{i}",
                    "first_name": "Test",
                    "birth_date": dt.date(1950, 1, 1) + dt.timedelta(days=i),
                    "phone": None,
                    "to_verify": False,
                    "source": "staff",
                    "created_at": NOW,
                }
                for i in range(1, 2001)
            ],
        )
    appointments: list[dict[str, Any]] = []
    granules: list[dict[str, Any]] = []
    day = NOW.date()
    while day < NOW.date() + dt.timedelta(days=365):
        if day.weekday() < 5 and day not in french:
            for practitioner in conf.practitioners:
                for first, last in _SPANS:
                    start = dt.datetime.combine(day, first, tzinfo=tz)
                    end = dt.datetime.combine(day, last, tzinfo=tz)
                    while start + dt.timedelta(minutes=20) <= end:
                        if rng.random() < BOOKED_SHARE:
                            ident = len(appointments) + 1
                            appointments.append(
                                {
                                    "id": ident,
                                    "practitioner_id": practitioner.id,
                                    "appointment_type_id": "consultation",
                                    "patient_id": rng.randint(1, 2000),
                                    "start": start,
                                    "end": start + dt.timedelta(minutes=20),
                                    "status": "booked",
                                    "source": "staff",
                                    "created_at": NOW,
                                    "updated_at": NOW,
                                }
                            )
                            minute = int(start.timestamp()) // 60
                            granules.extend(
                                {
                                    "practitioner_id": practitioner.id,
                                    "minute": minute + offset,
                                    "appointment_id": ident,
                                    "hold_id": None,
                                }
                                for offset in (0, 5, 10, 15)
                            )
                        start += dt.timedelta(minutes=20)
        day += dt.timedelta(days=1)
    with db.session() as session:
        for rows, table in ((appointments, "appointments"), (granules, "occupancy")):
            for i in range(0, len(rows), 5000):
                session.execute(insert(tables[table]), rows[i : i + 5000])
        if db.engine.dialect.name == "postgresql":
            # Explicit ids leave PostgreSQL's sequences behind; move them past what we wrote.
            for statement in _RESET_SEQUENCES:
                session.execute(text(statement))
    return len(appointments)


def measure_search(db: Database, conf: PracticeConfig) -> dict[str, float]:
    """Latency of `search_slots` over varied, realistic requests."""
    rng = random.Random(SEED + 1)
    parts = [None, None, *agenda.PartOfDay]
    timings = []
    with db.sessions() as session:
        agenda.search_slots(session, conf, "consultation", now=NOW)  # warm caches
        for _ in range(SEARCHES):
            kind = rng.choice(_TYPES)[0]
            who = rng.choice([None, f"p{rng.randint(1, PRACTITIONERS):02d}"])
            earliest = NOW.date() + dt.timedelta(days=rng.randint(0, 330))
            started = time.perf_counter()
            agenda.search_slots(
                session,
                conf,
                kind,
                practitioner=who,
                earliest=earliest,
                part_of_day=rng.choice(parts),
                asap=rng.random() < 0.7,
                now=NOW,
            )
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "search_p50_ms": round(statistics.median(timings), 2),
        "search_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "search_max_ms": round(timings[-1], 2),
    }


def _caller(url: str, conf: PracticeConfig, index: int, barrier: Any, results: Any) -> None:
    rng = random.Random(SEED + 100 + index)
    db = Database(url)
    booked = lost = 0
    with db.sessions() as session:
        barrier.wait(120)
        while booked < BOOKINGS_PER_CALLER and lost < _MAX_LOST:
            call = f"BENCH-{index}-{booked}-{lost}"
            found = agenda.search_slots(
                session,
                conf,
                "consultation",
                earliest=NOW.date() + dt.timedelta(days=rng.randint(0, 6)),
                conversation_id=call,
                now=NOW,
            )
            held = agenda.hold_slots(session, conf, found, conversation_id=call, now=NOW)
            if not held:
                lost += 1
                continue
            try:
                agenda.confirm_hold(
                    session, conf, held[0].hold_id, patient_id=1, conversation_id=call, now=NOW
                )
                booked += 1
            except agenda.AgendaError:
                lost += 1
            agenda.release_holds(session, call)
    db.dispose()
    results.put((booked, lost))


def measure_booking(url: str, conf: PracticeConfig) -> dict[str, float]:
    """Bookings per second with concurrent callers in separate processes."""
    outcomes, started, finished = forked_race(
        _caller, [(url, conf, i) for i in range(CALLERS)], timeout_s=300
    )
    elapsed = finished - started
    booked = sum(b for b, _ in outcomes)
    return {
        "booking_callers": CALLERS,
        "bookings": booked,
        "bookings_per_s": round(booked / elapsed, 1),
        "lost_races": sum(lost for _, lost in outcomes),
    }


def run_backend(url: str) -> dict[str, Any]:
    """Migrate, fill, measure one database."""
    upgrade(url)
    conf = practice()
    db = Database(url)
    started = time.perf_counter()
    count = fill(db, conf)
    figures: dict[str, Any] = {
        "appointments": count,
        "fill_s": round(time.perf_counter() - started, 1),
    }
    figures.update(measure_search(db, conf))
    db.dispose()
    figures.update(measure_booking(url, conf))
    return figures


def main() -> dict[str, Any]:
    """Run on SQLite (file) and PostgreSQL (throwaway durable server); print and return."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="standardiste-bench-") as tmp:
        results["sqlite"] = run_backend(f"sqlite:///{Path(tmp) / 'bench.db'}")
    _print("sqlite", results["sqlite"])
    with throwaway_postgres("bench", durable=True) as (url, _):
        results["postgresql"] = run_backend(url)
    _print("postgresql", results["postgresql"])
    return results


def _print(name: str, figures: dict[str, Any]) -> None:
    print(
        f"agenda/{name}: {figures['appointments']} appointments "
        f"(10 practitioners × 1 year, {BOOKED_SHARE:.0%} booked); "
        f"search p50 {figures['search_p50_ms']} ms, p95 {figures['search_p95_ms']} ms; "
        f"{figures['bookings_per_s']} bookings/s with {figures['booking_callers']} callers "
        f"({figures['lost_races']} lost races)",
        flush=True,
    )


if __name__ == "__main__":
    main()
