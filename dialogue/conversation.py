"""The contract between a channel (voice call, web chat, terminal) and the dialogue.

A channel creates one `Conversation` per call and feeds it what the caller said; it gets back
what to say and whether the call goes on. The voice channel adds audio around it; the text
channel uses it as is, so every dialogue path can be exercised without audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

WEBSITE_CHANNEL = "web"
"""The channel of the chat on the practice's website (`dialogue.website`): its call records,
bookings and inbox messages are marked so."""


class Expecting(StrEnum):
    """What the assistant just asked for: the voice channel waits longer for dictated answers
    and accepts keypad digits where they make sense."""

    ANYTHING = "anything"
    CONFIRMATION = "confirmation"
    DATE_OF_BIRTH = "date_of_birth"
    PHONE_NUMBER = "phone_number"
    NAME = "name"
    CHOICE = "choice"
    """One of the slots (or the caller's appointments) just read out."""
    MESSAGE = "message"
    """The caller is leaving a message, in as many utterances as they need: a long silence
    (or ``#``) ends it, not each pause."""


class CallEnd(StrEnum):
    """How the call ends when the conversation is over."""

    HANGUP = "hangup"
    TRANSFER = "transfer"


class Pace(StrEnum):
    """How the channel should speak and listen from this turn on."""

    SLOWER = "slower"
    """The caller asked to hear it slower or louder: slower speech, and a longer silence
    before their turn ends, for the rest of the call."""


@dataclass(frozen=True)
class Reply:
    """One utterance for the caller."""

    text: str
    key: str | None = None
    """The response's key in the catalogue (e.g. ``utter_greet``); tests assert on keys."""
    interruptible: bool = True
    """False for the automated-assistant disclosure and the emergency message."""
    emergency: bool = False
    """An emergency message: the call is flagged, and its channel says so at once."""


@dataclass(frozen=True)
class TurnResult:
    """What the assistant answers to one caller turn."""

    replies: list[Reply] = field(default_factory=list)
    ended: bool = False
    end: CallEnd | None = None
    transfer_to: str | None = None
    expecting: Expecting = Expecting.ANYTHING
    pace: Pace | None = None
    """Set on the turn the caller asked for slower speech; the channel keeps it from then on."""


class Conversation(Protocol):
    """One caller's conversation with the assistant."""

    @property
    def conversation_id(self) -> str:
        """The CallSid (voice) or chat session id; Rasa's sender id."""
        ...

    @property
    def database_down(self) -> bool:
        """Whether the database failed this conversation (its writes went to the spool)."""
        ...

    async def start(self) -> TurnResult:
        """The greeting, with the automated-assistant disclosure."""
        ...

    async def handle_text(self, text: str) -> TurnResult:
        """One caller turn as recognised text (safety net first, then the dialogue)."""
        ...

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keypad digits (a fallback: confirmation with 1, a date of birth keyed in)."""
        ...

    async def handle_silence(self) -> TurnResult:
        """The caller said nothing for the silence timeout: reprompt, then take a message."""
        ...

    async def close(self, reason: str) -> None:
        """The call ended (hang-up, drop, end of dialogue): release holds, leave what was
        understood in the inbox when a request was left unfinished, close the call record."""
        ...
