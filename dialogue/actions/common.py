"""Small helpers the actions share: reading the caller's answer, the identity slots, replies."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import transcripts
from core import office_staffed
from dialogue import understood
from dialogue.actions.runtime import call_metadata, current_practice
from dialogue.french.normalize import flat_text, normalize_transcript
from dialogue.french.yes_no import parse_yes_no
from dialogue.understood import UNKNOWN

MAX_ATTEMPTS = 3
# Intents that end a form's question instead of answering it.
ESCAPE_INTENTS = frozenset({"goodbye", "talk_to_someone"})
_ESCAPE_CONFIDENCE = 0.8
# A request of another kind, said in the middle of one: the caller changed their mind ("non, en
# fait je voudrais annuler mon rendez-vous"), so the form lets go and the new request's rule
# starts (what was already said stays in the slots: the name is not asked again).
SWITCH_INTENTS = {
    "book_appointment": "booking_form",
    "cancel_appointment": "appointment_lookup_form",
    "move_appointment": "appointment_lookup_form",
    "check_appointment": "appointment_lookup_form",
    "prescription_renewal": "renewal_form",
    "certificate_request": "certificate_form",
    "sick_leave": "sick_leave_form",
    "leave_message": "message_form",
}
_SWITCH_CONFIDENCE = 0.9
_CHANGE_WORDS = re.compile(
    r"\b(?:plutot|en fait|finalement|laissez tomber|laisse tomber|oubliez|je prefere"
    r"|je me suis trompe|je me suis trompee|non pardon|autre chose|a la place)\b"
)
"""Words of a change of mind: with them, another request is taken at a lower confidence
(the NLU's confidence moves with each training; the words do not)."""
_CHANGE_CONFIDENCE = 0.6
_FREE_TEXT_SLOTS = frozenset({"message_text"})
"""Slots whose answer may say anything, a request's words included."""
# A question asked in the middle of a request: answered (a medical one, by saying no advice is
# given), then the same question again (`asides.py`, from every form's validation).
MEDICAL = "medical_question"
ASIDE_INTENTS = frozenset({"ask_hours", "ask_address", "ask_access", MEDICAL})
_ASIDE_WORDS = re.compile(
    r"\b(?:ou|adresse|rue|ville|quartier|situes?|trouve|horaires?|ouverts?|ouvre|ouvrez"
    r"|ouverture|fermes?|fermez|fermeture|acces|parking|garer|tram|bus|metro|ascenseur"
    r"|fauteuil)\b"
)
"""Words of the practical questions: with them, a question aside is taken at a lower
confidence than a switch of request (the NLU's confidence moves with each training)."""
_ASIDE_CONFIDENCE = 0.7
_NAMES_MEDICINES = frozenset({"medicine"})
"""Slots whose answer is a medicine's name: the NLU hears medical talk in it."""
_ASKS = re.compile(
    r"\b(?:est ce|puis je|je peux|peut on|on peut|combien|comment|pourquoi|quand|faut il"
    r"|dois je|est il|grave|normal|danger|dangereux|remplacer|arreter|doubler|augmenter)\b"
)
"""Words that make medical talk a question, even said to "quel médicament ?"."""
DESK_QUESTION = "desk_question"
"""A question only the desk answers (fees, payment, reimbursement) asked in the middle of a
request: said so, and the request goes on (at the start of a call, it is a message)."""
_DESK_WORDS = re.compile(
    r"\b(?:combien|tarifs?|prix|coute|coutent|payer|paye|paiement|rembourse\w*|carte vitale"
    r"|mutuelle|tiers payant|depassements?|honoraires|secteur \d|carte bancaire|cb|cheques?"
    r"|especes|liquide)\b"
)


# Cancelling, moving and checking share a form: "non, plutôt le déplacer" changes its purpose.
LOOKUP_PURPOSES = {
    "cancel_appointment": "cancel", "move_appointment": "move", "check_appointment": "check",
}


def switching(tracker: Tracker) -> bool:
    """Whether the caller's latest words ask for another kind of request than the form's (or
    the other of cancelling and moving), or ask a practical question aside."""
    intent: dict[str, Any] = tracker.latest_message.get("intent") or {}
    name = str(intent.get("name") or "")
    form = SWITCH_INTENTS.get(name)
    active = tracker.active_loop_name
    purpose = tracker.get_slot("lookup_purpose")
    same = form == active and (
        name not in LOOKUP_PURPOSES
        or (purpose == LOOKUP_PURPOSES[name] and not _lookup_restarted(tracker))
    )
    if active is None or same or (form is None and name not in ASIDE_INTENTS):
        return False
    asked = tracker.get_slot("requested_slot")
    if asked in _FREE_TEXT_SLOTS:
        return False
    if asked in _NAMES_MEDICINES and name == MEDICAL and not _ASKS.search(_said(tracker)):
        return False  # "du doliprane", to "quel médicament ?": the answer, not a question
    confidence = float(intent.get("confidence") or 0.0)
    if name in ASIDE_INTENTS and name != MEDICAL and _ASIDE_WORDS.search(_said(tracker)):
        return confidence >= _ASIDE_CONFIDENCE
    if form is not None and _CHANGE_WORDS.search(_said(tracker)):
        return confidence >= _CHANGE_CONFIDENCE
    return confidence >= _SWITCH_CONFIDENCE


def _said(tracker: Tracker) -> str:
    return flat_text(normalize_transcript(str(tracker.latest_message.get("text") or "")))


def _lookup_restarted(tracker: Tracker) -> bool:
    """Whether the lookup took a new purpose with the latest words while it was asking (its
    form, already active, runs again on the same words: they are still no answer)."""
    restarted = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return restarted
        if kind == "active_loop":
            return False  # started this turn: the words may hold a name said unasked
        if kind == "action" and event.get("name") == "action_start_lookup":
            restarted = True
    return False


def aside(tracker: Tracker) -> str | None:
    """The intent of a question asked aside in the middle of a form, if the latest words are
    one (never while the form takes free words: a message may be a medical question)."""
    name = latest_intent(tracker)
    if name == "leave_message" and _DESK_WORDS.search(_said(tracker)) and switching(tracker):
        return DESK_QUESTION
    return name if name in ASIDE_INTENTS and switching(tracker) else None


def escaping(tracker: Tracker) -> bool:
    """Whether the caller's latest words leave the question ("au revoir", "passez-moi
    quelqu'un", another request), or are no words at all."""
    intent: dict[str, Any] = tracker.latest_message.get("intent") or {}
    confidence = float(intent.get("confidence") or 0.0)
    if intent.get("name") in ESCAPE_INTENTS and confidence >= _ESCAPE_CONFIDENCE:
        return True
    if switching(tracker):
        return True
    text = str(tracker.latest_message.get("text") or "").strip()
    return not text or text.startswith("/")


def answer_for(tracker: Tracker, slot: str) -> str | None:
    """The caller's latest words when they answer the question for ``slot``, else None."""
    if tracker.get_slot("requested_slot") != slot or escaping(tracker) or _form_started(tracker):
        return None
    return str(tracker.latest_message.get("text") or "").strip()


def said_to(tracker: Tracker, slot: str) -> str | None:
    """The caller's latest words when said to the question for ``slot``, whatever request the
    NLU heard in them (for a form that can tell an answer by its words), else None."""
    text = str(tracker.latest_message.get("text") or "").strip()
    if tracker.get_slot("requested_slot") != slot or _form_started(tracker):
        return None
    return text if text and not text.startswith("/") else None


def _form_started(tracker: Tracker) -> bool:
    """Whether a form started with the caller's latest words: the question still recorded as
    asked was another form's (the caller switched requests), so the words do not answer it."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name"):
            return True
    return False


def answered(tracker: Tracker, slot: str) -> dict[str, Any]:
    """``slot`` filled with the caller's words when they answer its question, else nothing:
    what a form's plain ``extract_<slot>`` returns."""
    text = answer_for(tracker, slot)
    return {} if text is None else {slot: text}


def said_text(tracker: Tracker) -> str | None:
    """The caller's latest words, unless they leave the question."""
    return None if escaping(tracker) else str(tracker.latest_message.get("text") or "").strip()


def latest_intent(tracker: Tracker) -> str | None:
    """The name of the latest intent."""
    intent: dict[str, Any] = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


async def retry_or_give_up(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    prompts: tuple[str, ...],
    *,
    given_up: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An answer was not understood: say so and ask again — the second time with the keypad
    offered when the question takes one (``prompts``: first miss, second miss).

    The third miss never keeps the caller in a loop: during office hours the call goes to the
    secretariat; otherwise what was said is noted (the transcript keeps it), the slot takes
    ``given_up`` (default `UNKNOWN`) and the request goes on to the inbox.
    """
    attempts = int(tracker.get_slot("retries") or 0) + 1
    if attempts < MAX_ATTEMPTS:
        dispatcher.utter_message(response=prompts[min(attempts, len(prompts)) - 1])
        return {slot: None, "retries": attempts}
    practice = await current_practice()
    if practice.answering.transfer_number and office_staffed(
        practice, call_metadata(tracker, practice).now
    ):
        dispatcher.utter_message(response="utter_misses_transfer")
    else:
        dispatcher.utter_message(response="utter_misses_noted")
    return (given_up or {slot: UNKNOWN}) | {"retries": 0}


def identity_from_slots(tracker: Tracker) -> transcripts.CallerIdentity:
    """Who the caller said they are, and the number to call back."""
    return understood.identity(tracker.slots)


def previous_action(tracker: Tracker) -> str | None:
    """The last action the assistant ran before the caller's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                break
            seen_user = True
            continue
        if seen_user and kind == "action" and event.get("name") != "action_listen":
            return str(event.get("name"))
    return None


def conversation_id(tracker: Tracker) -> str:
    """The call SID or chat session id (Rasa's sender id)."""
    return str(tracker.sender_id)


_SPACES = re.compile(r"\s+")


def tidy(text: str) -> str:
    """Collapse spaces."""
    return _SPACES.sub(" ", text).strip()


def extract_yes_no(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Fill a yes/no slot from the caller's answer to its question; ask again on anything else."""
    if answer_for(tracker, slot) is None:
        return {}
    intent = latest_intent(tracker)
    if intent in ("affirm", "deny"):
        return {slot: intent == "affirm"}
    dispatcher.utter_message(response="utter_yes_or_no")
    return {slot: None}


def yes_or_no(tracker: Tracker, text: str) -> bool | None:
    """A yes or a no in the caller's words, by the words themselves or as the NLU heard them
    (the words first); None for anything else."""
    plain = parse_yes_no(text)
    if plain is not None:
        return plain
    return {"affirm": True, "deny": False}.get(str(latest_intent(tracker)))


def validate_yes_no(slot: str, value: Any) -> dict[str, Any]:
    """True or False; anything else leaves the slot empty so the question is asked again."""
    return {slot: value if isinstance(value, bool) else None}


def previous_bot_key(tracker: Tracker) -> str | None:
    """The response key of the assistant's latest words (this turn's, if it said any yet)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            key = ((event.get("data") or {}).get("custom") or {}).get("key")
            return str(key) if key else None
    return None


def opening_words(tracker: Tracker, form: str) -> str | None:
    """The caller's words that started ``form`` the last time it started, if any."""
    started = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "active_loop" and event.get("name") == form:
            started = True
        elif started and kind == "user":
            text = str(event.get("text") or "").strip()
            return text if text and not text.startswith("/") else None
    return None


def activating(tracker: Tracker, form: str) -> bool:
    """Whether ``form`` starts with the caller's latest message (Rasa hands the validation
    action a tracker already marked active, so the mark's place tells: after that message)."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "active_loop" and event.get("name") == form:
            return True
    return False
