"""When words said in the middle of a request leave it: another request or a practical question
needs the NLU's confidence, and less of it when the words themselves say so (a change of mind, a
practical question's words), because that confidence moves with every training. Fast: no Rasa."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from dialogue.actions.common import switching


def _tracker(text: str, intent: str, confidence: float, form: str, asked: str) -> Tracker:
    return Tracker(
        sender_id="test",
        slots={"requested_slot": asked},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "form", "asked", "leaves"),
    [
        # Another request: sure enough, or less sure with the words of a change of mind.
        ("je voudrais renouveler mon ordonnance", "prescription_renewal", 0.95, "booking_form",
         "appointment_type", True),
        ("bon laissez tomber c'est pour une ordonnance en fait", "prescription_renewal", 0.7,
         "booking_form", "appointment_type", True),
        ("non pardon je voudrais plutôt le déplacer", "move_appointment", 0.7,
         "appointment_lookup_form", "full_name", True),
        ("une ordonnance", "prescription_renewal", 0.7, "booking_form", "appointment_type", False),
        ("plutôt jeudi", "book_appointment", 0.99, "booking_form", "time_preference", False),
        # A practical question: its words let a lower confidence do.
        ("et c'est où votre cabinet exactement", "ask_address", 0.8, "booking_form",
         "time_preference", True),
        ("jeudi vers 10 heures", "ask_hours", 0.8, "booking_form", "time_preference", False),
        # The message's own words may say anything.
        ("en fait je voudrais un rendez-vous", "book_appointment", 0.99, "message_form",
         "message_text", False),
    ],
)
def test_words_that_leave_the_question(
    text: str, intent: str, confidence: float, form: str, asked: str, leaves: bool
) -> None:
    assert switching(_tracker(text, intent, confidence, form, asked)) is leaves
