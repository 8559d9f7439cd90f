"""The emergency check every conversation runs on what the caller says, before anything else.

It does not depend on the NLU (`dialogue.safety`, a reviewable rule file). Two levels:

- **certain**: the emergency answer at once (the numbers, the deaf line, "je préviens le
  cabinet"), nothing booked (held slots let go), the call's outcome ``emergency`` and an urgent
  note in the inbox;
- **possible**: one short question, "Est-ce une urgence, en ce moment ?". Yes, no answer
  (silence, a hang-up) or an unsure one ("je ne sais pas") → the emergency answer; no → the
  conversation goes on with the words that raised the doubt, and the doubt is noted for the
  secretary (high urgency). Words on another subject (the caller still answering the question
  before, "le docteur Durand") are no answer yet: the question is asked once more, asking for
  a yes or a no; anything but a no then gets the emergency answer.

The question pending is read from the call's turns (the last thing said is the question; the
caller turn before it holds the words), so any process can take the next turn; a voice call
also keeps it in memory, for when the database does not answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import transcripts
from core import PracticeConfig
from dialogue import catalogue, keypad_silence
from dialogue.call_log import CallLog
from dialogue.conversation import Reply
from dialogue.events import DialogueEventType, EventSink
from dialogue.french.yes_no import parse_yes_no
from dialogue.safety import (
    EmergencyCategory,
    EmergencyHit,
    EmergencyKind,
    EmergencyLevel,
    routine_request,
)
from dialogue.safety import check_emergency as check_emergency
from dialogue.safety_rules import fold_words

_LOGGER = logging.getLogger(__name__)
EMERGENCY_OUTCOME = "emergency"
QUESTION_KEY = "utter_emergency_check"
AGAIN_KEY = "utter_emergency_check_again"
"""The question asked once more, after words on another subject."""
_NO_WORDS = frozenset({"non", "nan", "nope", "negatif"})
_NO_PHRASES = (
    "pas une urgence", "pas urgent", "pas d urgence", "rien d urgent", "pas vraiment",
    "pas du tout", "peut attendre", "tout va bien", "ca va aller",
)
_YES_WORDS = frozenset({"oui", "ouais", "si", "ok", "vite", "urgent", "urgence", "grave"})
_UNSURE = ("sais pas", "sait pas", "sais plus", "sais vraiment pas", "aucune idee")


@dataclass(frozen=True)
class Screened:
    """What the check made of a caller's turn."""

    replies: list[Reply] = field(default_factory=list)
    """The gate's own answer (the emergency answer, or the question); empty: go on."""
    said: str = ""
    """The words the conversation goes on with: the turn's, or after a "no" the words that
    raised the doubt."""
    denied: bool = False
    """The turn answered "no" to the question: the caller waits to hear that they may go on."""


@dataclass(frozen=True)
class PendingQuestion:
    """The emergency question asked and not yet answered."""

    hit: EmergencyHit
    said: str
    """The caller's words that raised it."""
    again: bool = False
    """It was asked a second time (the first answer was on another subject)."""


class SafetyGate:
    """One conversation's emergency check (see the module docstring)."""

    def __init__(self, log: CallLog, events: EventSink, caller: str | None) -> None:
        self._log = log
        self._events = events
        self._caller = caller
        self._pending: PendingQuestion | None = None

    @staticmethod
    def check(text: str) -> EmergencyHit | None:
        """The emergency sign in a caller's words, if any."""
        return check_emergency(text)

    async def screen(self, said: str, practice: PracticeConfig) -> Screened:
        """The check on one caller turn (its words already recorded).

        The classifier's doubt does not ask about the answer to a question for a name, a date
        of birth or a number: it says who, not how anyone is, and letter groups took names
        (« mon grand-père s'appelle … ») for the confused who no longer know theirs.
        """
        turns = await self._log.turns()
        pending = self._pending_in(turns, answering=True)
        hit = check_emergency(said, doubt=not keypad_silence.asks_identity(turns))
        if pending is not None:
            return await self._answered(pending, said, hit, practice)
        if hit is None:
            return Screened(said=said)
        if hit.certain:
            return Screened(await self.answer(hit, practice), said)
        return Screened(await self._ask(hit, said, practice), said)

    async def silence(self, practice: PracticeConfig) -> list[Reply] | None:
        """Silence after the question is no answer: the emergency answer. None: no question
        was pending."""
        pending = await self.pending()
        if pending is None:
            return None
        return await self.answer(pending.hit, practice, confirmation="silence")

    async def pending(self, *, answering: bool = True) -> PendingQuestion | None:
        """The question asked and not yet answered, with the words that raised it.

        Args:
            answering: Asked while taking a caller turn, which may already be stored after the
                question; otherwise (the call ending) any caller turn after it answered it.
        """
        return self._pending_in(await self._log.turns(), answering=answering)

    def _pending_in(
        self, turns: list[transcripts.Turn], *, answering: bool
    ) -> PendingQuestion | None:
        last = next((t for t in reversed(turns) if t.speaker == transcripts.Speaker.ASSISTANT),
                    None)
        if last is None:
            return self._pending if not turns else None
        if last.key not in (QUESTION_KEY, AGAIN_KEY):
            return None
        index = turns.index(last)
        if len(turns) - index - 1 > (1 if answering else 0):
            return None
        again = last.key == AGAIN_KEY
        if again:  # the words that raised it came before the first question
            index = next(
                (i for i in range(index - 1, -1, -1) if turns[i].key == QUESTION_KEY), index
            )
        said = next(
            (t.text for t in reversed(turns[:index])
             if t.speaker == transcripts.Speaker.CALLER and t.text.strip()),
            self._pending.said if self._pending else "",
        )
        hit = check_emergency(said) or _unknown_doubt()
        return PendingQuestion(hit, said, again)

    async def answer(
        self, hit: EmergencyHit, practice: PracticeConfig, *, confirmation: str | None = None
    ) -> list[Reply]:
        """The emergency answer: the numbers, the deaf line, then the practice is told."""
        self._pending = None
        replies = emergency_replies(hit, practice)
        details = emergency_details(hit)
        if confirmation is not None:
            details["confirmation"] = confirmation
        await self._note(hit, details, transcripts.Urgency.URGENT)
        await self._log.release_holds()
        await self._log.set_outcome(EMERGENCY_OUTCOME)
        return replies

    async def hung_up(self) -> None:
        """The caller left while the question was pending: that is no answer, so the practice
        gets the urgent note (the call's outcome: emergency)."""
        pending = await self.pending(answering=False)
        if pending is None:
            return
        self._pending = None
        details = {**emergency_details(pending.hit), "confirmation": "hangup"}
        await self._note(pending.hit, details, transcripts.Urgency.URGENT)
        await self._log.release_holds()
        await self._log.set_outcome(EMERGENCY_OUTCOME)

    async def _ask(self, hit: EmergencyHit, said: str, practice: PracticeConfig) -> list[Reply]:
        self._pending = PendingQuestion(hit, said)
        await self._events.emit(DialogueEventType.SAFETY_HIT, key=hit.category.value)
        _LOGGER.warning("emergency doubt", extra=self._log_extra(hit))
        return [catalogue.say(QUESTION_KEY, practice)]

    async def _answered(
        self,
        pending: PendingQuestion,
        said: str,
        hit: EmergencyHit | None,
        practice: PracticeConfig,
    ) -> Screened:
        if hit is not None and hit.certain:
            return Screened(await self.answer(hit, practice, confirmation="new words"), said)
        reply = read_urgency_answer(said)
        if reply is None and hit is None and routine_request(said):
            reply = False  # "c'est pour un rendez-vous": an answer, and a no
        if reply is False:
            self._pending = None
            details = {**emergency_details(pending.hit), "denied": True}
            await self._note(pending.hit, details, transcripts.Urgency.HIGH)
            return Screened(said=pending.said, denied=True)
        if reply is None and hit is None and not pending.again and not unsure(said):
            self._pending = PendingQuestion(pending.hit, pending.said, again=True)
            return Screened([catalogue.say(AGAIN_KEY, practice)], said)
        confirmation = "yes" if reply else "unclear"
        return Screened(await self.answer(pending.hit, practice, confirmation=confirmation), said)

    async def _note(
        self, hit: EmergencyHit, details: dict[str, object], urgency: transcripts.Urgency
    ) -> None:
        if urgency is transcripts.Urgency.URGENT:
            await self._events.emit(DialogueEventType.SAFETY_HIT, key=hit.category.value)
            _LOGGER.warning("emergency", extra=self._log_extra(hit))
        await self._log.leave(
            transcripts.MessageKind.EMERGENCY,
            transcripts.CallerIdentity(callback_number=self._caller),
            details,
            urgency=urgency,
        )

    def _log_extra(self, hit: EmergencyHit) -> dict[str, str]:
        # The rule as written in the file, never the caller's words.
        return {"conversation": self._log.conversation_id, "category": hit.category.value,
                "level": hit.level.label, "phrase": hit.phrase}


def read_urgency_answer(text: str) -> bool | None:
    """The caller's answer to "Est-ce une urgence, en ce moment ?": True (yes), False (no),
    None (unclear: "je ne sais pas", another subject).

    More lenient than `parse_yes_no`: "oui c'est urgent", "non non ça va, c'est pour un
    rendez-vous" are answers here.
    """
    strict = parse_yes_no(text)
    if strict is not None:
        return strict
    words = fold_words(text)
    folded = " ".join(words)
    if unsure(text):
        return None
    if (words and words[0] in _NO_WORDS) or any(phrase in folded for phrase in _NO_PHRASES):
        return False
    if _YES_WORDS & set(words):
        return True
    return None


def unsure(text: str) -> bool:
    """Whether the caller says they do not know ("je sais pas"): that is no "no"."""
    folded = " ".join(fold_words(text))
    return any(doubt in folded for doubt in _UNSURE)


def emergency_details(hit: EmergencyHit) -> dict[str, object]:
    """What the inbox note says of a sign (the rule as written, never the caller's words)."""
    return {"category": hit.category.value, "phrase": hit.phrase, "level": hit.level.label,
            "negated": hit.negated}


def _unknown_doubt() -> EmergencyHit:
    """The doubt when the words that raised it cannot be read again (the rule file changed
    between two turns, or the turn was not stored)."""
    return EmergencyHit(
        category=EmergencyCategory.GENERAL,
        kind=EmergencyKind.MEDICAL,
        phrase="",
        level=EmergencyLevel.POSSIBLE,
    )


def emergency_replies(hit: EmergencyHit, practice: PracticeConfig) -> list[Reply]:
    """The emergency answer: the numbers (3114 for suicidal words), the deaf line, goodbye."""
    key = "utter_emergency_suicide" if hit.kind is EmergencyKind.SUICIDAL else "utter_emergency"
    return [
        catalogue.say(key, practice),
        catalogue.say("utter_emergency_deaf", practice),
        catalogue.say("utter_emergency_noted", practice),
    ]
