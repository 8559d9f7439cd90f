"""The conversation's frame: session start, not understood, talking to someone, practical info."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import agenda
from core import office_staffed
from dialogue.actions.asides import answer_practical
from dialogue.actions.booking_proposals import read_wish
from dialogue.actions.common import previous_action
from dialogue.actions.runtime import call_metadata, current_practice


class ActionSessionStart(Action):
    """Start the session with what the channel knows: the calling number."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Set ``caller_number`` and its last two digits from the session's metadata."""
        metadata: dict[str, Any] = tracker.get_slot("session_started_metadata") or {}
        caller = metadata.get("caller")
        events: list[EventType] = [SessionStarted()]
        if caller:
            digits = "".join(c for c in str(caller) if c.isdigit())
            events += [SlotSet("caller_number", str(caller)), SlotSet("caller_digits", digits[-2:])]
        events.append(ActionExecuted("action_listen"))
        return events


class ActionNotUnderstood(Action):
    """Reprompt once, differently; the second time in a row, take a message."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A sentence that names a type of appointment or says when is a booking, whatever the
        NLU made of it ("vous auriez quelque chose mardi en fin de matinée"); otherwise
        reprompt, or hand over to the message form."""
        if await _sounds_like_a_booking(tracker):
            return [FollowupAction("action_start_booking")]
        if previous_action(tracker) == self.name():
            dispatcher.utter_message(response="utter_take_message_instead")
            return [FollowupAction("message_form")]
        dispatcher.utter_message(response="utter_reprompt")
        # As Rasa's core fallback (an intent no rule expects here) nothing predicts the
        # listen after it, and the fallback ran again until Rasa's cap: ten reprompts at once.
        return [FollowupAction("action_listen")]


async def _sounds_like_a_booking(tracker: Tracker) -> bool:
    text = str(tracker.latest_message.get("text") or "")
    if not text.strip() or tracker.active_loop:
        return False
    practice = await current_practice()
    if agenda.match_type(text, practice) is not None:
        return True
    now = call_metadata(tracker, practice).now
    return read_wish(text, practice, now).understood and bool(_WHEN.search(text))


# Words that make a sentence a time wish (a lone "oui" or a name is not one).
_WHEN = re.compile(
    r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|demain|semaine|matin|matinée|après-midi"
    r"|soir|heures?|prochaine?|créneau|place|disponibilit)"
)


class ActionTalkToSomeone(Action):
    """Transfer to the secretariat when it is staffed and has a number, else take a message
    (from the website's chat, give the practice's number and take a message)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_talk_to_someone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say the transfer (the channel performs it), or start the message form."""
        practice = await current_practice()
        metadata = call_metadata(tracker, practice)
        if metadata.on_website:
            # A chat cannot be put through: the practice's number, and a message meanwhile.
            dispatcher.utter_message(
                response="utter_web_no_transfer", practice_phone=practice.practice.phone
            )
            return [FollowupAction("message_form")]
        now = metadata.now
        if practice.answering.transfer_number and office_staffed(practice, now):
            dispatcher.utter_message(response="utter_transfer")
            return []
        dispatcher.utter_message(response="utter_nobody_available")
        return [FollowupAction("message_form")]


class ActionPracticalInfo(Action):
    """Opening hours, address and access, from the practice configuration."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_practical_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer what was asked."""
        await answer_practical(dispatcher, tracker)
        return []
