"""SMS benchmark: 1,000 due reminders dispatched by two gateway instances, each text once.

Two processes (the two instances of a cluster) run the dispatcher's passes over one database,
PostgreSQL (``FOR UPDATE SKIP LOCKED``) and SQLite (one writer at a time), against the local
Twilio REST stand-in (`tests/doubles/twilio_rest.py`), with the product's real Twilio client.
Measured: texts per second from the first pass to the last text, how the work was shared, and
that every reminder was sent exactly once. Twilio's own latency (~0.1–0.3 s a request) and its
sending rate per number are not in these figures: it queues what it accepts.
Run with ``python -m benchmarks sms``; about a minute on two cores.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import insert

import agenda
import notifications
from benchmarks._figures import write_section
from benchmarks._harness import forked_race, throwaway_postgres
from core import AppContext, Database, PracticeConfig, PracticeStore, Settings, parse_practice
from standardiste.migrate import upgrade
from tests.doubles.twilio_rest import ACCOUNT_SID, RunningStandIn

REMINDERS = 1000
INSTANCES = 2
PRACTITIONERS = 20
LEAD_HOURS = 24
# Tuesday 4 March 2031, 08:00 in Paris: 20 practitioners, 50 ten-minute appointments each.
FIRST = dt.datetime(2031, 3, 4, 7, 0, tzinfo=dt.UTC)
BOOKED_AT = FIRST - dt.timedelta(days=7)
# Every reminder is due then: each appointment is 13 h to 21 h 20 away (lead 24 h, half 12 h).
DUE = FIRST - dt.timedelta(hours=13)


def practice() -> PracticeConfig:
    """The benchmark practice: reminders 24 h ahead on, confirmations off."""
    ids = [f"p{i:02d}" for i in range(1, PRACTITIONERS + 1)]
    week = ("monday", "tuesday", "wednesday", "thursday", "friday")
    return parse_practice({
        "practice": {"name": "Cabinet Bench", "address": "1 rue du Banc, 69003 Lyon",
                     "phone": "+33 4 00 00 00 00"},
        "practitioners": [
            {"id": pid, "name": f"Docteur {pid}",
             "hours": {day: [{"start": "07:00", "end": "20:00"}] for day in week}}
            for pid in ids
        ],
        "appointment_types": [
            {"id": "consultation", "label": "consultation", "duration_minutes": 10,
             "practitioners": ids},
        ],
        "sms": {"reminders": True, "reminder_hours": [LEAD_HOURS]},
    })


def _context(url: str, api: str, name: str) -> AppContext:
    settings = Settings(
        _env_file=None, database_url=url, twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token="0" * 32, twilio_messaging_from="+33757000000",
        twilio_api_base_url=api, standardiste_instance=name,
    )
    db = Database(url)
    store = PracticeStore(db, practice())
    store.ensure_seeded()
    return AppContext(settings=settings, db=db, practice_store=store)


def fill(context: AppContext) -> None:
    """1,000 appointments, one patient (one mobile) each, booked a week ahead."""
    conf = context.practice
    with context.db.session() as session:
        agenda.sync_from_config(session, conf)
        session.execute(insert(agenda.metadata.tables["patients"]), [
            {"id": n + 1, "last_name": f"Patient{n}", "first_name": "Bench",
             "birth_date": dt.date(1980, 1, 1), "phone": f"+3361{n:07d}", "to_verify": False,
             "source": "staff", "created_at": BOOKED_AT, "sms_refused": False}
            for n in range(REMINDERS)
        ])
    per_practitioner = REMINDERS // PRACTITIONERS
    with context.db.session() as session:
        for n in range(REMINDERS):
            agenda.book_appointment(
                session, conf, practitioner_id=conf.practitioners[n // per_practitioner].id,
                appointment_type_id="consultation",
                start=FIRST + dt.timedelta(minutes=10 * (n % per_practitioner)),
                patient_id=n + 1, now=BOOKED_AT)
    # The bookings' outbox, taken before the clock starts (confirmations are off).
    notifications.run_pass(context, None, now=BOOKED_AT)


def _instance(url: str, api: str, name: str, barrier: Any, results: Any) -> None:
    context = _context(url, api, name)
    messaging = notifications.messaging_for(context)
    sent = passes = 0
    barrier.wait(120)
    while True:
        report = notifications.run_pass(context, messaging, now=DUE)
        passes += 1
        sent += report.sent
        if report.scheduled + report.sent + report.retrying + report.failed == 0:
            break
    context.db.dispose()
    results.put((name, sent, passes, time.perf_counter()))


def run_backend(url: str) -> dict[str, Any]:
    """Migrate, fill, then time two instances dispatching every due reminder."""
    upgrade(url)
    with RunningStandIn() as standin:
        setup = _context(url, standin.url, "setup")
        fill(setup)
        setup.db.dispose()
        outcomes, started, _ = forked_race(
            _instance, [(url, standin.url, f"gw{i + 1}") for i in range(INSTANCES)],
            timeout_s=600,
        )
        elapsed = max(end for *_, end in outcomes) - started
        texts = Counter((t.to, t.body) for t in standin.state.texts)
    return {
        "reminders": REMINDERS,
        "instances": INSTANCES,
        "texts_sent": sum(texts.values()),
        "distinct_texts": len(texts),
        "sent_twice": sum(1 for n in texts.values() if n > 1),
        "twilio_requests": standin.state.creates,
        "seconds": round(elapsed, 2),
        "texts_per_s": round(REMINDERS / elapsed, 1),
        "per_instance": {name: sent for name, sent, _, _ in sorted(outcomes)},
    }


def main() -> dict[str, Any]:
    """Run on PostgreSQL (throwaway server) and SQLite (file); write docs/benchmarks.md."""
    results: dict[str, Any] = {}
    with throwaway_postgres("bench_sms", durable=True) as (url, _):
        results["postgresql"] = run_backend(url)
    with tempfile.TemporaryDirectory(prefix="standardiste-bench-") as tmp:
        results["sqlite"] = run_backend(f"sqlite:///{Path(tmp) / 'bench.db'}")
    for name, figures in results.items():
        print(f"sms/{name}: {figures}", flush=True)
    _write(results)
    return results


def _write(results: dict[str, Any]) -> None:
    lines = [
        "## SMS",
        "",
        f"`python -m benchmarks sms`: {REMINDERS:,} reminders due at once, dispatched by "
        f"{INSTANCES} gateway instances (two processes) over one database, with the product's "
        "Twilio client against the local REST stand-in (no network latency; Twilio's own rate "
        "per sending number is not included: it queues what it accepts). Every pass claims rows "
        "in the database; the texts are counted at the stand-in.",
        "",
        "| database | texts sent | sent twice | Twilio requests | seconds | texts/s | "
        "per instance |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in results.items():
        shares = ", ".join(f"{k} {v}" for k, v in f["per_instance"].items())
        lines.append(
            f"| {name} | {f['texts_sent']} | {f['sent_twice']} | {f['twilio_requests']} | "
            f"{f['seconds']} | {f['texts_per_s']} | {shares} |")
    lines += [
        "",
        "Every reminder was sent once: each instance claims due rows (`FOR UPDATE SKIP LOCKED` "
        "on PostgreSQL, a conditional `UPDATE` on SQLite) and records Twilio's SID only under "
        "its own claim; reminders are created when due with `ON CONFLICT DO NOTHING`. "
        "One practice sends a few hundred texts a day: the dispatcher is far from the limit, "
        "which is Twilio's sending rate.",
    ]
    write_section("SMS", lines)


if __name__ == "__main__":
    main()
