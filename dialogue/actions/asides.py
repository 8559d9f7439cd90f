"""Questions asked aside, at the start of a call or in the middle of a request: the practice's
hours (or a named practitioner's days), its closures and a practitioner's absences ("le docteur
est en vacances quand ?"), address and access, from its configuration; a medical question gets
no advice; fees and payment, which only the desk knows, are left to it.

In the middle of a request the form's validation answers (`IdentityFormValidation.run`) and the
form asks its question again, so the request goes on where it was without one rule per form.
"""

from __future__ import annotations

import datetime as dt
import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import agenda
from core import PracticeConfig, Practitioner, public_holiday
from dialogue.actions.booking_proposals import read_wish
from dialogue.actions.common import DESK_QUESTION, MEDICAL, latest_intent
from dialogue.actions.runtime import call_metadata, current_practice
from dialogue.french.normalize import flat_text
from dialogue.french.speech_format import say_date, say_list, say_ranges, say_weekly_hours

_AWAY_WORDS = re.compile(
    r"\b(?:vacances|conges|conge|absent|absente|absents|absence|absences|fermeture|fermetures"
    r"|fetes|noel|pont|remplacant|remplacante|remplace)\b"
)
"""A question about closures and absences rather than the week's hours."""
CLOSURES_AHEAD = dt.timedelta(days=90)
"""How far ahead closures and absences are told."""


async def answer_practical(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Opening hours, access or address, whichever was asked."""
    practice = await current_practice()
    info = practice.practice
    intent = latest_intent(tracker)
    if intent == "ask_hours":
        # "Le docteur Durand consulte le samedi ?": that practitioner's days, not the desk's.
        text = str(tracker.latest_message.get("text") or "")
        everyone = [person.id for person in practice.practitioners]
        who = agenda.match_practitioner(text, practice, everyone)
        person = next((p for p in practice.practitioners if p.id == who), None)
        if _AWAY_WORDS.search(flat_text(text)):
            _closures(dispatcher, tracker, practice, person)
        elif person is not None:
            _practitioner_hours(dispatcher, tracker, practice, person, text)
        else:
            hours = say_weekly_hours(practice.office_hours)
            dispatcher.utter_message(response="utter_opening_hours", hours=hours)
    elif intent == "ask_access" and info.access:
        dispatcher.utter_message(response="utter_access", access=" ".join(info.access.split()))
    else:
        dispatcher.utter_message(response="utter_address", address=info.address)


def _practitioner_hours(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    practice: PracticeConfig,
    person: Practitioner,
    text: str,
) -> None:
    """Their days; for one day asked ("est-ce qu'il est là aujourd'hui ?", "jeudi ?"), that
    day's hours, or that they are not there (their usual days, a closure, a public holiday)."""
    weekly = say_weekly_hours(person.hours)
    now = call_metadata(tracker, practice).now
    wish = read_wish(text, practice, now)
    day = wish.earliest if wish.earliest is not None and wish.earliest == wish.latest else None
    if day is None:
        dispatcher.utter_message(
            response="utter_practitioner_hours", practitioner=person.name, hours=weekly
        )
        return
    today = now.date()
    said = {today: "aujourd'hui", today + dt.timedelta(days=1): "demain"}.get(day)
    said = said or f"le {say_date(day)}"
    ranges = person.hours.for_weekday(day.weekday())
    away = public_holiday(day) or any(c.covers(day, person.id) for c in practice.closures)
    if ranges and not away:
        dispatcher.utter_message(
            response="utter_practitioner_day_hours", practitioner=person.name, day=said,
            hours=say_ranges(ranges),
        )
    else:
        dispatcher.utter_message(
            response="utter_practitioner_not_that_day", practitioner=person.name, day=said,
            hours=weekly,
        )


def _closures(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    practice: PracticeConfig,
    person: Practitioner | None,
) -> None:
    """The closures of the practice (and the absences of ``person``) in the months ahead."""
    today = call_metadata(tracker, practice).now.date()
    ahead = [
        c for c in sorted(practice.closures, key=lambda c: c.start)
        if c.end >= today and c.start <= today + CLOSURES_AHEAD
        and (c.practitioners is None or (person is not None and person.id in c.practitioners))
    ]
    spans = []
    for closure in ahead:
        begin = max(closure.start, today)  # under way: from today
        span = (f"le {say_date(begin)}" if begin == closure.end
                else f"du {say_date(begin)} au {say_date(closure.end)}")
        spans.append(span + (f" ({closure.reason})" if closure.reason else ""))
    if person is not None:
        response = "utter_practitioner_closures" if spans else "utter_practitioner_no_closure"
        dispatcher.utter_message(
            response=response, practitioner=person.name, closures=say_list(spans, "et")
        )
    else:
        response = "utter_practice_closures" if spans else "utter_practice_no_closure"
        dispatcher.utter_message(response=response, closures=say_list(spans, "et"))


async def answer_aside(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> None:
    """The answer to a question asked in the middle of a request (the form asks its own next)."""
    if intent == MEDICAL:
        dispatcher.utter_message(response="utter_no_medical_advice")
    elif intent == DESK_QUESTION:
        dispatcher.utter_message(response="utter_desk_question_aside")
    else:
        await answer_practical(dispatcher, tracker)
