"""What a turn without words means: keypad digits and silences, read against the last question.

Digits are a fallback: 1 and 2 answer a yes/no question; six or eight digits a date of birth;
nine or more a phone number. A silence is met with "êtes-vous toujours là ?" and the last
question again; the second silence in a row ends the call (the hand-over keeps what was said),
the third after the caller asked for a moment ("attendez, je cherche").
"""

from __future__ import annotations

import transcripts
from dialogue import catalogue
from dialogue.conversation import Expecting, Reply

SILENCE_KEY = "silence"
DIGITS_KEY = "digits"
SILENCES_BEFORE_GOODBYE = 2
HOLD_KEY = "utter_hold_on"
"""The answer to "attendez, je cherche": the caller's silence is then waited for once more."""
_CONFIRM_DIGITS = {"1": "oui", "2": "non"}
_NOT_QUESTIONS = frozenset({"utter_silence_reprompt", "utter_keypad_not_understood", HOLD_KEY})


def clean_digits(digits: str) -> str:
    """Only what a keypad sends."""
    return "".join(c for c in digits if c.isdigit() or c in "*#")


def digits_as_words(digits: str, expecting: Expecting) -> str | None:
    """What the keyed digits answer to the question asked, as the dialogue reads it; None
    when they answer nothing."""
    plain = digits.strip("*#")
    if expecting is Expecting.CONFIRMATION and plain in _CONFIRM_DIGITS:
        return _CONFIRM_DIGITS[plain]
    if expecting is Expecting.DATE_OF_BIRTH and len(plain) in (6, 8) and plain.isdigit():
        return plain
    if expecting is Expecting.PHONE_NUMBER and len(plain) >= 9 and plain.isdigit():
        return plain
    if expecting is Expecting.CHOICE and len(plain) == 1 and plain in "123456789":
        return plain  # "3": the third slot read out (`dialogue.french.slot_choice`)
    return None


def trailing_silences(turns: list[transcripts.Turn]) -> int:
    """How many of the caller's last turns were silences, in a row."""
    count = 0
    for turn in reversed(turns):
        if turn.speaker != transcripts.Speaker.CALLER:
            continue
        if turn.key != SILENCE_KEY:
            break
        count += 1
    return count


def silences_before(turns: list[transcripts.Turn]) -> int:
    """Silences in a row that end the call: one more when the caller asked for a moment."""
    for turn in reversed(turns):
        if turn.speaker == transcripts.Speaker.CALLER and turn.key != SILENCE_KEY:
            break
        if turn.speaker == transcripts.Speaker.ASSISTANT and turn.key == HOLD_KEY:
            return SILENCES_BEFORE_GOODBYE + 1
    return SILENCES_BEFORE_GOODBYE


def last_question(turns: list[transcripts.Turn]) -> Reply | None:
    """The assistant's latest reply, other than a reprompt, as it was said."""
    for turn in reversed(turns):
        if turn.speaker == transcripts.Speaker.ASSISTANT and turn.key not in _NOT_QUESTIONS:
            spec = catalogue.catalogue().get(turn.key or "")
            interruptible = spec.interruptible if spec else True
            return Reply(text=turn.text, key=turn.key, interruptible=interruptible)
    return None


def _last_spec(turns: list[transcripts.Turn]) -> catalogue.ResponseSpec | None:
    question = last_question(turns)
    return catalogue.spec_of(question) if question else None


def asks_identity(turns: list[transcripts.Turn]) -> bool:
    """Whether the last question asked for a name, a date of birth or a number."""
    spec = _last_spec(turns)
    return spec is not None and spec.identity


def last_expecting(turns: list[transcripts.Turn]) -> Expecting:
    """What the last question waited for."""
    spec = _last_spec(turns)
    return spec.expecting if spec else Expecting.ANYTHING
