"""What goes into a call's turns besides the dialogue: the caller's inputs as they queue, the
phrases the call says by itself, and which questions wait for dictated or keyed answers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import dialogue
from dialogue import Expecting, Reply

DICTATION = frozenset(
    {Expecting.DATE_OF_BIRTH, Expecting.PHONE_NUMBER, Expecting.NAME, Expecting.MESSAGE}
)
"""Answers dictated with pauses (a name, a date, a number, a message): a longer end-of-turn
window."""
KEYED_IN = frozenset({Expecting.DATE_OF_BIRTH, Expecting.PHONE_NUMBER})
"""Answers keyed digit by digit: wait for ``#`` or a pause before handing them over."""


@dataclass(frozen=True)
class CallInput:
    """One caller input, queued for the conversation."""

    kind: str
    """``text``, ``digits`` or ``silence``."""
    value: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class CallPhrases:
    """What the call says by itself, from the catalogue: the technical-problem reply when a
    stage fails, and "pardon ?" for speech nobody understood (a cough, noise)."""

    technical_problem: Reply = field(
        default_factory=lambda: dialogue.response("utter_technical_problem")
    )
    say_again: Reply = field(default_factory=lambda: dialogue.response("utter_say_again"))


def after_disclosure(replies: Sequence[Reply]) -> int:
    """Where the recording question goes: after the last reply the caller may not interrupt
    (the automated-assistant disclosure), else after the whole opening."""
    last = max((i for i, reply in enumerate(replies) if not reply.interruptible), default=None)
    return len(replies) if last is None else last + 1
