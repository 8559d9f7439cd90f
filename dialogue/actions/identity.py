"""Who is calling: last name, first name, date of birth, and the number to call back.

Every form asks for these the same way; `IdentityFormValidation` is the base of each form's
validation action. The slots use custom mappings: the caller's answer is taken here only when
it answers the question asked (`requested_slot`), so that "au revoir" or "passez-moi quelqu'un"
interrupt the form instead of becoming a name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from dialogue.actions.common import answer_for, latest_intent, retry_or_give_up, tidy
from dialogue.actions.runtime import call_metadata, current_practice
from dialogue.french.birth_date import parse_birth_date
from dialogue.french.phone_numbers import parse_french_phone
from dialogue.understood import UNKNOWN

_NAME_PREFIX = re.compile(
    r"^(?:(?:oui|alors|donc|voilà|bon)\s+)*"
    r"(?:(?:je m'appelle|je suis|c'est|mon nom (?:de famille )?(?:c'est|est)|"
    r"mon prénom (?:c'est|est)|le nom c'est|nom|prénom)\s+)?"
    r"(?:(?:madame|monsieur|mademoiselle|mme|m)\s+)?",
)
_SPELLED = re.compile(r"\b(?:[a-zéèêëàâîïôöûüç]\s){2,}[a-zéèêëàâîïôöûüç]\b")
_NAME_OK = re.compile(r"^[a-zà-öø-ÿ' -]{1,60}$")
_OLDEST = 1900


def clean_name(text: str) -> str | None:
    """A name from the caller's answer ("c'est madame dupont" → "dupont"), or None.

    Spelled letters are joined ("d u p o n t" → "dupont").
    """
    text = tidy(text.lower())
    text = _NAME_PREFIX.sub("", text, count=1)
    text = _SPELLED.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = tidy(text)
    if not text or not _NAME_OK.match(text):
        return None
    return text


class IdentityFormValidation(FormValidationAction):
    """Validation of the identity slots, shared by every form; subclasses add their own."""

    def name(self) -> str:
        """Subclasses name their form's validation action."""
        raise NotImplementedError

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Skip the callback questions that do not apply.

        With no calling number (a hidden number, the chat), the number is asked directly; once
        the calling number is confirmed, no other number is asked.
        """
        slots = list(domain_slots)
        if not tracker.get_slot("caller_number"):
            slots = [s for s in slots if s != "phone_confirmed"]
        elif tracker.get_slot("phone_confirmed") is not False:
            slots = [s for s in slots if s != "callback_number"]
        return slots

    # --- extraction: the answer to the question asked -----------------------------------

    async def extract_last_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "Quel est votre nom ?"."""
        text = answer_for(tracker, "last_name")
        return {} if text is None else {"last_name": text}

    async def extract_first_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "Et votre prénom ?"."""
        text = answer_for(tracker, "first_name")
        return {} if text is None else {"first_name": text}

    async def extract_birth_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "Quelle est votre date de naissance ?"."""
        text = answer_for(tracker, "birth_date")
        return {} if text is None else {"birth_date": text}

    async def extract_phone_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to the calling number; another number said at once is taken too."""
        text = answer_for(tracker, "phone_confirmed")
        if text is None:
            return {}
        number = parse_french_phone(text)
        if number is not None:
            return {"phone_confirmed": False, "callback_number": number}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"phone_confirmed": True}
        if intent == "deny":
            return {"phone_confirmed": False}
        dispatcher.utter_message(response="utter_yes_or_no")
        return {"phone_confirmed": None}

    async def extract_callback_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "À quel numéro pouvons-nous vous rappeler ?"."""
        text = answer_for(tracker, "callback_number")
        return {} if text is None else {"callback_number": text}

    # --- validation ---------------------------------------------------------------------

    def validate_last_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep the name without "je m'appelle", "madame"…; ask again when it is not one."""
        return self._name("last_name", value, dispatcher, tracker)

    def validate_first_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """As for the last name."""
        return self._name("first_name", value, dispatcher, tracker)

    def _name(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if value == UNKNOWN:
            return {slot: UNKNOWN}
        name = clean_name(str(value or ""))
        if name is None:
            return retry_or_give_up(dispatcher, tracker, slot, ("utter_invalid_name",))
        return {slot: name, "retries": 0}

    async def validate_birth_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A real, past date of birth, stored as ISO; the keypad is offered on a second miss."""
        if value == UNKNOWN:
            return {"birth_date": UNKNOWN}
        today = call_metadata(tracker, await current_practice()).now.date()
        text = str(value or "")
        try:
            born: dt.date | None = dt.date.fromisoformat(text)
        except ValueError:
            born = parse_birth_date(text, today)
        if born is None or not (born.year >= _OLDEST and born <= today):
            return retry_or_give_up(
                dispatcher,
                tracker,
                "birth_date",
                ("utter_invalid_birth_date", "utter_birth_date_keypad"),
            )
        return {"birth_date": born.isoformat(), "retries": 0}

    def validate_phone_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False; anything else is asked again."""
        if isinstance(value, bool):
            return {"phone_confirmed": value}
        return {"phone_confirmed": None}

    def validate_callback_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A valid phone number, stored as E.164."""
        if value == UNKNOWN:
            return {"callback_number": UNKNOWN}
        text = str(value or "")
        number = text if text.startswith("+") and text[1:].isdigit() else parse_french_phone(text)
        if number is None:
            return retry_or_give_up(
                dispatcher, tracker, "callback_number", ("utter_invalid_callback_number",)
            )
        return {"callback_number": number, "retries": 0}
