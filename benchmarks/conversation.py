"""Conversation benchmark: scripted callers of several kinds book through ``POST /api/chat``.

Everything real, as in `benchmarks.dialogue`: the gateway under uvicorn on a temporary SQLite
database, the Rasa server with the trained model. Each caller answers whatever the assistant
asks (a reply per question key, like a patient who knows what they want) and the benchmark
reports, per kind of caller:

* turns to book: the caller's turns, the opening included, until "C'est confirmé";
* re-asked slots: a question asked again, or asked for something the caller already said
  (goal 0);
* outcome: the appointment booked is the one wanted (practitioner, day, part of the day, name).

Goal on the happy path: a known patient books in at most 4 turns, a new patient in at most 6.
Run with ``python -m benchmarks conversation``; about two minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks._figures import write_section
from benchmarks._harness import gateway_and_rasa
from core import AppContext
from tests.clock import quiet_monday, staffed_tuesday

TOKEN = "bench-token-0123456789"  # noqa: S105 (a throwaway gateway's token)
AT = staffed_tuesday()
KNOWN_GOAL, NEW_GOAL = 4, 6
_MAX_TURNS = 16


@dataclass(frozen=True)
class Caller:
    """A scripted caller: the opening, an answer per question, and the booking wanted."""

    kind: str
    opening: str
    answers: dict[str, list[str]]
    """Question key → the answers, said in turn (the last one again if asked more)."""
    said: frozenset[str] = frozenset()
    """Questions for things the opening said: asking any of them is a re-asked slot."""
    known: tuple[str, str, dt.date] | None = None
    """A patient on file with this caller's number (first name, last name, date of birth);
    their usual practitioner is Dr Durand."""
    practitioner: str = "martin"
    weekday: int = 3
    afternoon: bool = False
    name: tuple[str, str] = ("marie", "dupont")
    happy_path: bool = True
    """Counted against the goal (≤ 4 turns known, ≤ 6 new)."""


@dataclass
class Played:
    """What one caller's conversation gave."""

    kind: str
    turns: int
    booked: bool
    correct: bool
    reasked: list[str] = field(default_factory=list)
    unexpected: str | None = None
    goal: int | None = None


_NEW = {
    "utter_ask_birth_date": ["le 12 mars 1954"],
    "utter_ask_phone_confirmed": ["oui"],
    "utter_ask_booking_confirmed": ["oui c'est parfait"],
}
CALLERS: tuple[Caller, ...] = (
    Caller(
        "nouveau patient, tout dans la première phrase",
        "bonjour je suis marie dupont je voudrais une consultation avec le docteur martin "
        "jeudi matin",
        {**_NEW, "utter_ask_chosen_slot": ["le premier"]},
        said=frozenset({"utter_ask_full_name", "utter_ask_appointment_type",
                        "utter_ask_practitioner", "utter_ask_time_preference"}),
    ),
    Caller(
        "nouveau patient, une chose à la fois",
        "bonjour je voudrais prendre rendez-vous",
        {**_NEW, "utter_ask_appointment_type": ["une consultation"],
         "utter_ask_practitioner": ["avec le docteur martin"],
         "utter_ask_time_preference": ["jeudi matin"], "utter_ask_chosen_slot": ["le premier"],
         "utter_ask_full_name": ["marie dupont"]},
        happy_path=False,
    ),
    Caller(
        "nouveau patient qui se corrige",
        "une consultation avec le docteur durand mercredi prochain s'il vous plaît",
        {**_NEW, "utter_ask_chosen_slot": ["non plutôt jeudi après-midi", "le premier"],
         "utter_ask_full_name": ["dupont marie"]},
        said=frozenset({"utter_ask_appointment_type", "utter_ask_practitioner",
                        "utter_ask_time_preference"}),
        practitioner="durand", afternoon=True, happy_path=False,
    ),
    Caller(
        "patient connu, demande et jour dans la même phrase",
        "bonjour je voudrais un rendez-vous jeudi après-midi",
        {"utter_ask_patient_confirmed": ["oui c'est moi"], "utter_ask_chosen_slot": ["le premier"],
         "utter_ask_booking_confirmed": ["oui"]},
        said=frozenset({"utter_ask_time_preference"}),
        known=("jeanne", "leroy", dt.date(1948, 2, 9)), practitioner="durand", afternoon=True,
        name=("jeanne", "leroy"),
    ),
    Caller(
        "patient connu, une chose à la fois",
        "je voudrais un rendez-vous",
        {"utter_ask_patient_confirmed": ["oui"], "utter_ask_time_preference": ["jeudi après-midi"],
         "utter_ask_chosen_slot": ["le deuxième"], "utter_ask_booking_confirmed": ["oui"]},
        known=("paul", "girard", dt.date(1960, 7, 21)), practitioner="durand", afternoon=True,
        name=("paul", "girard"), happy_path=False,
    ),
    Caller(
        "patient connu qui se corrige à la relecture",
        "c'est pour un rendez-vous la semaine prochaine le matin avec le docteur martin",
        {"utter_ask_patient_confirmed": ["oui"],
         "utter_ask_chosen_slot": ["le premier", "le premier"],
         "utter_ask_booking_confirmed": ["non plutôt jeudi après-midi", "oui"]},
        said=frozenset({"utter_ask_time_preference", "utter_ask_practitioner"}),
        known=("sophie", "lambert", dt.date(1975, 11, 30)), practitioner="martin",
        afternoon=True, name=("sophie", "lambert"), happy_path=False,
    ),
)


def seed(context: AppContext, caller: Caller, number: str, index: int) -> None:
    """A known caller on file with their number, booked with Dr Durand (their usual
    practitioner) in three weeks, each caller at their own time."""
    import agenda

    if caller.known is None:
        return
    first, last, born = caller.known
    practice = context.practice
    day = quiet_monday() + dt.timedelta(weeks=2, days=4)
    seen = dt.datetime.combine(day, dt.time(9), tzinfo=practice.tz) + dt.timedelta(
        minutes=20 * index
    )
    with context.db.session() as session:
        patient = agenda.register_patient(
            session, last_name=last, first_name=first, birth_date=born, phone=number,
            source=agenda.Source.STAFF,
        )
        agenda.book_appointment(
            session, practice, practitioner_id="durand", appointment_type_id="consultation",
            start=seen, patient_id=patient.id,
        )


def play(base: str, token: str, caller: Caller, number: str, tz: dt.tzinfo) -> Played:
    """One scripted conversation, answered question by question."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        opened = http.post("/api/chat", json={"caller": number, "at": AT})
        opened.raise_for_status()
        session_id = opened.json()["session_id"]
        asked: dict[str, int] = {}
        played = Played(caller.kind, 0, booked=False, correct=False)
        text = caller.opening
        previous: list[str] = []
        while played.turns < _MAX_TURNS:
            reply = http.post(f"/api/chat/{session_id}", json={"text": text})
            reply.raise_for_status()
            played.turns += 1
            keys = [r["key"] for r in reply.json()["replies"]]
            if "utter_booked" in keys:
                played.booked = True
                break
            question = keys[-1] if keys else ""
            again = question in asked and "utter_other_proposals" not in keys and (
                question not in ("utter_ask_chosen_slot", "utter_ask_booking_confirmed")
                or previous == keys
            )
            if question in caller.said or again:
                played.reasked.append(question)
            answers = caller.answers.get(question)
            if answers is None:
                played.unexpected = question
                break
            text = answers[min(asked.get(question, 0), len(answers) - 1)]
            asked[question] = asked.get(question, 0) + 1
            previous = keys
        booked = http.get(
            "/api/appointments",
            params={"start": dt.datetime.fromisoformat(AT).isoformat(), "days": 60,
                    "session_id": session_id},
        ).json()
    played.correct = played.booked and _as_wanted(booked, caller, tz)
    return played


def _as_wanted(booked: list[dict[str, Any]], caller: Caller, tz: dt.tzinfo) -> bool:
    if len(booked) != 1:
        return False
    start = dt.datetime.fromisoformat(booked[0]["start"]).astimezone(tz)
    names = (str(booked[0]["patient_first_name"]).lower(),
             str(booked[0]["patient_last_name"]).lower())
    return (
        booked[0]["practitioner_id"] == caller.practitioner
        and start.weekday() == caller.weekday
        and (start.hour >= 12) == caller.afternoon
        and names == caller.name
    )


def play_all(
    base: str, token: str, context: AppContext, callers: tuple[Caller, ...] = CALLERS,
    numbers: Callable[[int], str] = lambda n: f"+33699{n:04d}12",
) -> list[Played]:
    """Every caller in turn, each from its own number (seeded when known)."""
    results = []
    for index, caller in enumerate(callers):
        number = numbers(index)
        seed(context, caller, number, index)
        played = play(base, token, caller, number, context.practice.tz)
        if caller.happy_path:
            played.goal = KNOWN_GOAL if caller.known else NEW_GOAL
        results.append(played)
    return results


def main() -> dict[str, Any]:
    """Start the gateway and Rasa, play the callers, print and write the figures."""
    with (
        tempfile.TemporaryDirectory(prefix="standardiste-conversation-bench-") as tmp,
        gateway_and_rasa(Path(tmp), standardiste_api_token=TOKEN) as (base, context),
    ):
        results = play_all(base, TOKEN, context)
    return report(results)


def report(results: list[Played]) -> dict[str, Any]:
    """Print the figures and write the docs section."""
    rows = []
    for r in results:
        goal = f"≤ {r.goal}" if r.goal else "—"
        outcome = "juste" if r.correct else ("réservé, autre" if r.booked else "non réservé")
        rows.append(f"| {r.kind} | {r.turns} | {goal} | {len(r.reasked)} | {outcome} |")
        print(f"conversation/{r.kind}: {r.turns} turns, re-asked {r.reasked}, "
              f"booked={r.booked} correct={r.correct} unexpected={r.unexpected}", flush=True)
    reasked = sum(len(r.reasked) for r in results)
    correct = sum(r.correct for r in results)
    write_section("Conversation", [
        "## Conversation",
        "",
        "`python -m benchmarks conversation`: scripted callers book through `POST /api/chat` "
        "(real Rasa, real database), each answering whatever is asked "
        "(`benchmarks/conversation.py`). Turns = the caller's, the opening included, until the "
        "booking is confirmed; re-asked = a question asked again, or for something already said.",
        "",
        "| caller | turns to book | goal | re-asked | outcome |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"Re-asked slots: **{reasked}** (goal 0); outcomes right: **{correct} / {len(results)}**.",
    ])
    return {
        "callers": [r.__dict__ for r in results], "reasked": reasked, "correct": correct,
    }


if __name__ == "__main__":
    main()
