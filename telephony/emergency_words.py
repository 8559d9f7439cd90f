"""Emergency words heard outside an ordinary turn, for the call session.

- **A long utterance's partial words.** Someone describing an emergency may talk for a long
  time; once the utterance is long (`LONG_UTTERANCE_S` of speech or `LONG_UTTERANCE_WORDS`
  words), each partial transcript goes through the safety net, and a certain sign ends the
  caller's turn at once: the emergency answer starts while they speak, and cannot be
  interrupted.
- **Words said over the call's last answer** (a goodbye, the outside-hours announcement): the
  call is ending, yet the words still reach the emergency check.

The net itself is `dialogue`'s (`dialogue.emergency_in`); this module only decides when to ask.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

import dialogue
from telephony.call_inputs import CallInput
from telephony.heard import until_heard
from telephony.playout import Utterance

LONG_UTTERANCE_S = 2.5
LONG_UTTERANCE_WORDS = 8


class PartialWatch:
    """Watches one call's partial transcripts (see the module docstring)."""

    def __init__(self) -> None:
        self._answered = False
        self._checked = ""

    def alarming(self, text: str, speech_s: float) -> bool:
        """Whether these partial words end the turn now: a long utterance with a certain sign
        (at most once per utterance)."""
        if self._answered or not text.strip() or text == self._checked:
            return False
        if len(text.split()) < LONG_UTTERANCE_WORDS and speech_s < LONG_UTTERANCE_S:
            return False
        # The recognizer repeats its partial words between new ones: each text is read once.
        self._checked = text
        if dialogue.emergency_in(text) is not dialogue.EmergencyLevel.CERTAIN:
            return False
        self._answered = True
        return True

    def utterance_ended(self) -> bool:
        """The utterance's final text came: whether its partial words were answered already
        (then it is no new turn)."""
        answered, self._answered, self._checked = self._answered, False, ""
        return answered


async def words_over(inputs: asyncio.Queue[CallInput], heard: Awaitable[None]) -> str | None:
    """Until the last answer is heard: caller words said meanwhile that hold an emergency sign
    (certain or possible), or None. Other inputs are let go: the call is ending."""
    listening = asyncio.ensure_future(heard)
    try:
        while not listening.done():
            getting = asyncio.ensure_future(inputs.get())
            await asyncio.wait({listening, getting}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await getting
                break
            item = getting.result()
            if item.kind == "text" and dialogue.emergency_in(item.value) is not None:
                return item.value
        return None
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening


async def words_over_last(
    utterances: list[Utterance],
    inputs: asyncio.Queue[CallInput],
    grace_s: float,
    call_sid: str,
    *,
    answered: bool,
) -> str | None:
    """Waits for the call's last answer to be heard; words said over it still reach the
    emergency check (`words_over`), unless that answer was the emergency answer itself."""
    heard = until_heard(utterances, grace_s, call_sid)
    if answered:
        await heard
        return None
    return await words_over(inputs, heard)
