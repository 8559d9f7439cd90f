"""The emergency check every conversation runs on what the caller says, before anything else.

It does not depend on the NLU (`dialogue.safety`, a reviewable phrasebook). A hit answers at once
with the emergency numbers, books nothing (held slots are let go), flags the call and leaves an
urgent note in the inbox. A negated phrase ("il n'a pas de douleur à la poitrine") still gives
the numbers, and the practice is told, but the conversation goes on.
"""

from __future__ import annotations

import logging

import transcripts
from core import PracticeConfig
from dialogue import catalogue
from dialogue.call_log import CallLog
from dialogue.conversation import Reply
from dialogue.events import DialogueEventType, EventSink
from dialogue.safety import EmergencyHit, EmergencyKind, check_emergency

_LOGGER = logging.getLogger(__name__)
EMERGENCY_OUTCOME = "emergency"


class SafetyGate:
    """One conversation's emergency check (see the module docstring)."""

    def __init__(self, log: CallLog, events: EventSink, caller: str | None) -> None:
        self._log = log
        self._events = events
        self._caller = caller

    @staticmethod
    def check(normalized: str) -> EmergencyHit | None:
        """The emergency phrase in a caller's (normalised) words, if any."""
        return check_emergency(normalized)

    async def answer(self, hit: EmergencyHit, practice: PracticeConfig) -> list[Reply]:
        """The emergency answer: the numbers, the deaf line, then the practice is told."""
        replies = [
            _numbers_reply(hit, practice),
            catalogue.say("utter_emergency_deaf", practice),
            catalogue.say("utter_emergency_noted", practice),
        ]
        await self._note(hit, urgent=True)
        await self._log.release_holds()
        await self._log.set_outcome(EMERGENCY_OUTCOME)
        return replies

    async def warn(self, hit: EmergencyHit, practice: PracticeConfig) -> list[Reply]:
        """A negated phrase: the numbers anyway, noted for the practice; the call goes on."""
        await self._note(hit, urgent=False)
        return [_numbers_reply(hit, practice)]

    async def _note(self, hit: EmergencyHit, *, urgent: bool) -> None:
        conversation = self._log.conversation_id
        await self._events.emit(DialogueEventType.SAFETY_HIT, key=hit.category.value)
        _LOGGER.warning(
            "emergency phrase",
            extra={"conversation": conversation, "category": hit.category.value,
                   "phrase": hit.phrase},
        )
        await self._log.leave(
            transcripts.MessageKind.EMERGENCY,
            transcripts.CallerIdentity(callback_number=self._caller),
            {"category": hit.category.value, "phrase": hit.phrase, "negated": hit.negated},
            urgency=transcripts.Urgency.URGENT if urgent else transcripts.Urgency.HIGH,
        )


def _numbers_reply(hit: EmergencyHit, practice: PracticeConfig) -> Reply:
    key = "utter_emergency_suicide" if hit.kind is EmergencyKind.SUICIDAL else "utter_emergency"
    return catalogue.say(key, practice)
