"""When the patient is not the caller, and when the caller would rather not give a name.

« Pour ma fille », « c'est quelqu'un d'autre »: the identity questions then speak of the patient
(`for_someone_else`, `patient_called`: « Quel est le nom et le prénom de votre fille ? »). A
name declined is explained once, then respected: the request goes on without it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from dialogue import catalogue
from dialogue.actions.common import escaping
from dialogue.french.relatives import for_the_caller, patient_said, without_patient_words
from dialogue.understood import UNKNOWN

# Answers that may name a relative without saying who the patient is (a message about the
# family, a number « de ma fille »): only words that say nothing else count there.
_NOT_ABOUT_WHO = ("birth_date", "callback_number", "phone_confirmed", "message_text")


def patient_named(tracker: Tracker, *, alone: bool) -> list[EventType]:
    """« Pour ma fille », « c'est quelqu'un d'autre »: the patient's questions then speak of
    them (« Quel est le nom et le prénom de votre fille ? »). ``alone``: the words say that
    and nothing else (`only_who`)."""
    text = str(tracker.latest_message.get("text") or "")
    if escaping(tracker) or (tracker.get_slot("requested_slot") in _NOT_ABOUT_WHO and not alone):
        return []
    patient = patient_said(text)
    if patient is None:
        if tracker.get_slot("for_someone_else") and for_the_caller(text):
            return [SlotSet("for_someone_else", False), SlotSet("patient_called", None),
                    SlotSet("patient_relation", None)]
        return []
    called = (
        catalogue.response("utter_fragment_relative", relation=patient.relation)
        if patient.relation else catalogue.response("utter_fragment_someone_else")
    )
    return [SlotSet("for_someone_else", True), SlotSet("patient_called", called.text),
            SlotSet("patient_relation", patient.relation)]


def only_who(text: str) -> bool:
    """Whether the words say who the patient is and nothing else (« non, c'est pour ma fille »):
    no answer to the question asked, which is asked again of the right person."""
    if patient_said(text) is None:
        return False
    rest = set(without_patient_words(text).split()) - _FILLERS
    return not rest


_FILLERS = frozenset(("non", "oui", "mais", "en", "fait", "alors", "c'est", "ah", "pardon",
                      "excusez-moi", "attendez", "d'accord"))


def name_refused(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Why the name is needed, once; a second refusal is respected: the request goes on
    without it, and the secretariat completes it when calling back."""
    if not tracker.get_slot("name_declined_once"):
        dispatcher.utter_message(response="utter_name_why")
        return {"name_declined_once": True}
    dispatcher.utter_message(response="utter_name_declined")
    # No appointment is written without a name: the desk books it when calling back.
    booking = (tracker.active_loop or {}).get("name") == "booking_form"
    return {"full_name": UNKNOWN, "retries": 0} | ({"booking_failed": True} if booking else {})
