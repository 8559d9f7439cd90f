"""Asking the caller whether the call may be recorded, and keeping their answer.

Only when the practice enabled recording (``recording.enabled``): right after the disclosure,
before the dialogue's first question, the call session asks ``utter_recording_consent`` and
takes the next thing the caller does as the answer. This exchange belongs to the telephony
layer; the dialogue (and Rasa) never see it.

Only a clear yes records: a plain spoken yes (`dialogue.parse_yes_no`) or key 1. A no, key 2,
other keys, silence, noise or small talk ("allô ?") mean no recording. Words that say something
else (the caller went straight to their request, or an emergency) mean no recording either, and
go on to the dialogue as its first turn, so nothing the caller said is lost. The answer is stored
in the call record (``recording_consent``) with the exchange as turns of its transcript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from starlette.concurrency import run_in_threadpool

import dialogue
import transcripts
from core import AppContext, Database, PracticeConfig
from dialogue import Reply
from telephony.recorder import CallRecorder

QUESTION = "utter_recording_consent"
ACCEPTED = "utter_recording_accepted"
DECLINED = "utter_recording_declined"
YES_KEY = "1"
NO_KEY = "2"


class ConsentAnswer(StrEnum):
    """How the caller answered."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"
    """Other keys, noise, or words that are not a yes or a no."""
    SILENCE = "silence"


@dataclass(frozen=True)
class Consent:
    """The caller's answer, interpreted."""

    answer: ConsentAnswer
    kind: str = "text"
    """The input it came as: ``text``, ``digits`` or ``silence``."""
    said: str = ""
    """The words or keys."""
    forward: str | None = None
    """Words for the dialogue (neither yes nor no): its first turn."""

    @property
    def given(self) -> bool:
        """True only for a clear yes."""
        return self.answer is ConsentAnswer.YES


def interpret(kind: str, value: str) -> Consent:
    """The answer in one caller input.

    Args:
        kind: ``text``, ``digits`` or ``silence`` (the session's input kinds).
        value: The recognised words or the keys.
    """
    if kind == "digits":
        keys = value.strip("*#")
        answer = {YES_KEY: ConsentAnswer.YES, NO_KEY: ConsentAnswer.NO}.get(keys)
        return Consent(answer or ConsentAnswer.UNCLEAR, kind, said=value)
    if kind != "text":
        return Consent(ConsentAnswer.SILENCE, "silence")
    words = " ".join(value.split())
    yes = dialogue.parse_yes_no(words)
    if yes is None:
        # Greetings and the like carry nothing for the dialogue; a request does.
        request = words and not dialogue.is_small_talk(words)
        return Consent(ConsentAnswer.UNCLEAR, kind, said=words, forward=words if request else None)
    return Consent(ConsentAnswer.YES if yes else ConsentAnswer.NO, kind, said=words)


class RecordingConsent:
    """The consent exchange of one call: its phrases, its record, its recorder.

    Args:
        db: The database holding the call record.
        call_sid: The call.
        var_dir: The data folder (recordings go under ``recordings/``).
        replies: The consent phrases, by catalogue key, as this practice says them.
    """

    def __init__(
        self, db: Database, *, call_sid: str, var_dir: Path, replies: dict[str, Reply]
    ) -> None:
        self._db = db
        self.call_sid = call_sid
        self._path = transcripts.recording_path(var_dir, call_sid)
        self._partial = transcripts.partial_recording_path(var_dir, call_sid)
        self._replies = replies

    @property
    def question(self) -> Reply:
        """The question; the caller hears it whole (how to refuse included)."""
        return self._replies[QUESTION]

    def acknowledgement(self, *, recorded: bool) -> Reply:
        """What the caller hears back: recorded from now on, or not recorded."""
        return self._replies[ACCEPTED if recorded else DECLINED]

    def recorder(self) -> CallRecorder:
        """The recorder to start once the caller said yes."""
        return CallRecorder(self._path, self._partial)

    async def asked(self) -> None:
        """The question went to the caller: a turn of the transcript."""
        question = self.question

        def _write() -> None:
            with self._db.session() as session:
                transcripts.add_turn(
                    session,
                    call_sid=self.call_sid,
                    speaker=transcripts.Speaker.ASSISTANT,
                    text=question.text,
                    key=question.key,
                )

        await run_in_threadpool(_write)

    async def answered(self, consent: Consent) -> bool:
        """Store the answer and the exchange (words for the dialogue are its to record).

        Returns:
            False when there is no call record to keep the answer in (then nothing is recorded).
        """
        acknowledgement = None if consent.forward else self.acknowledgement(recorded=consent.given)

        def _write() -> bool:
            now = dt.datetime.now(dt.UTC)
            with self._db.session() as session:
                if not transcripts.record_consent(
                    session, call_sid=self.call_sid, consent=consent.given
                ):
                    return False
                if consent.forward is None:
                    # Non-speech answers carry their kind as key, like the dialogue's turns.
                    key = consent.kind if consent.kind in ("digits", "silence") else None
                    transcripts.add_turn(
                        session,
                        call_sid=self.call_sid,
                        speaker=transcripts.Speaker.CALLER,
                        text=consent.said,
                        key=key,
                        started_at=now,
                    )
                if acknowledgement is not None:
                    transcripts.add_turn(
                        session,
                        call_sid=self.call_sid,
                        speaker=transcripts.Speaker.ASSISTANT,
                        text=acknowledgement.text,
                        key=acknowledgement.key,
                        started_at=now,
                    )
            return True

        return await run_in_threadpool(_write)


def recording_consent(
    context: AppContext, practice: PracticeConfig, call_sid: str
) -> RecordingConsent | None:
    """The consent exchange for this call, or None when the practice does not record calls."""
    if not practice.recording.enabled:
        return None
    try:
        return RecordingConsent(
            context.db,
            call_sid=call_sid,
            var_dir=context.settings.standardiste_var_dir,
            replies={key: dialogue.say(key, practice) for key in (QUESTION, ACCEPTED, DECLINED)},
        )
    except ValueError:  # a CallSid unfit for a file name: no recording rather than a bad path
        return None
