"""The calls the assistant does not converse on, as `dialogue.Conversation`s the session drives.

- `MessageTaker` (outside hours, ``mode=message``): the closed-practice prompt, then what the
  caller says becomes an inbox message for the secretariat, then goodbye. With ``resumed``
  (``mode=resumed``: the call's first stream dropped, its instance died) it opens with an
  apology instead, and lets go of the slots the first stream held.
- `Announcement` (``mode=announcement``): the practice's announcement, then the call ends.

Both record their turns and close the call record through `transcripts`' public face, like the
dialogue does, so the inbox and the call history look the same whoever answered.
"""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool

import agenda
import transcripts
from core import AppContext
from dialogue import CallEnd, Expecting, Reply, TurnResult
from telephony.prompts import PromptKey, Prompts, prompt_values

ANNOUNCEMENT_KEY = "announcement"


class _Recorded:
    """Turn recording and call closing shared by both modes."""

    def __init__(self, context: AppContext, call_sid: str) -> None:
        self._context = context
        self._call_sid = call_sid

    @property
    def conversation_id(self) -> str:
        """The CallSid."""
        return self._call_sid

    async def _record(self, speaker: transcripts.Speaker, text: str, key: str | None) -> None:
        def _write() -> None:
            with self._context.db.session() as session:
                transcripts.add_turn(
                    session,
                    call_sid=self._call_sid,
                    speaker=speaker,
                    text=text,
                    key=key,
                    started_at=dt.datetime.now(dt.UTC),
                )

        await run_in_threadpool(_write)

    async def _end_call(self, outcome: str) -> None:
        def _write() -> None:
            with self._context.db.session() as session:
                transcripts.end_call(session, call_sid=self._call_sid, outcome=outcome)

        await run_in_threadpool(_write)


class MessageTaker(_Recorded):
    """Implements `dialogue.Conversation` for the outside-hours message mode."""

    def __init__(
        self,
        context: AppContext,
        *,
        call_sid: str,
        caller: str | None,
        prompts: Prompts,
        resumed: bool = False,
    ) -> None:
        super().__init__(context, call_sid)
        self._resumed = resumed
        self._caller = caller
        self._prompts = prompts
        self._silences = 0
        self._left: str | None = None

    async def _prompt(self, key: PromptKey, *, interruptible: bool | None = None) -> Reply:
        practice = await run_in_threadpool(lambda: self._context.practice)
        prompt = self._prompts[key]
        text = prompt.render(prompt_values(practice))
        await self._record(transcripts.Speaker.ASSISTANT, text, key.reply_key)
        allowed = prompt.interruptible if interruptible is None else interruptible
        return Reply(text=text, key=key.reply_key, interruptible=allowed)

    async def start(self) -> TurnResult:
        """The closed-practice prompt; the caller's answer may take pauses (dictation window)."""
        opening = PromptKey.DROPPED_MESSAGE if self._resumed else PromptKey.OUTSIDE_HOURS_MESSAGE
        reply = await self._prompt(opening)
        return TurnResult(replies=[reply], expecting=Expecting.NAME)

    async def handle_text(self, text: str) -> TurnResult:
        """What the caller said becomes the message; goodbye."""
        text = " ".join(text.split())
        if not text:
            return await self.handle_silence()
        await self._record(transcripts.Speaker.CALLER, text, None)
        await self._leave(transcripts.MessageKind.MESSAGE, {"text": text})
        return TurnResult(
            replies=[await self._prompt(PromptKey.GOODBYE, interruptible=False)],
            ended=True,
            end=CallEnd.HANGUP,
        )

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keys mean nothing here; keep listening."""
        return TurnResult(expecting=Expecting.NAME)

    async def handle_silence(self) -> TurnResult:
        """Reprompt once; the second time, leave a callback request and say goodbye."""
        self._silences += 1
        await self._record(transcripts.Speaker.CALLER, "", "silence")
        if self._silences < 2:
            reply = await self._prompt(PromptKey.SILENCE_REPROMPT_1)
            return TurnResult(replies=[reply], expecting=Expecting.NAME)
        await self._leave(transcripts.MessageKind.CALLBACK, {"reason": "silence"})
        reply = await self._prompt(PromptKey.SILENCE_REPROMPT_2, interruptible=False)
        return TurnResult(replies=[reply], ended=True, end=CallEnd.HANGUP)

    async def close(self, reason: str) -> None:
        """Close the call record (outcome ``message`` when one was left)."""
        if self._resumed:
            await run_in_threadpool(self._release_and_note)
        await self._end_call("message" if self._left else reason)

    def _release_and_note(self) -> None:
        # The first stream's holds (its instance died before releasing them); and the
        # outcome the connect action noted ("dropped") gives way to what happened after.
        with self._context.db.session() as session:
            agenda.release_holds(session, self._call_sid)
            if self._left:
                transcripts.set_outcome(session, call_sid=self._call_sid, outcome="message")
        if not self._left:
            # Gone without a message: what was said before the drop still reaches the inbox.
            settings = self._context.settings
            transcripts.write_durably(
                self._context.db,
                transcripts.spool_for(settings.standardiste_var_dir,
                                      settings.standardiste_instance),
                transcripts.message_write(
                    self._call_sid, transcripts.MessageKind.CALLBACK,
                    transcripts.CallerIdentity(callback_number=self._caller),
                    {"reason": "dropped"}, with_said=True,
                ),
            )

    async def _leave(self, kind: transcripts.MessageKind, details: dict[str, str]) -> None:
        identity = transcripts.CallerIdentity(callback_number=self._caller)

        def _write() -> None:
            with self._context.db.session() as session:
                transcripts.leave_message(
                    session,
                    call_sid=self._call_sid,
                    kind=kind,
                    identity=identity,
                    details=details,
                    once_per_call=True,
                )

        await run_in_threadpool(_write)
        self._left = kind.value


class Announcement(_Recorded):
    """Implements `dialogue.Conversation` for the announcement mode: say it, then hang up."""

    async def start(self) -> TurnResult:
        """The practice's announcement (synthesised: staff may change it at any time)."""
        practice = await run_in_threadpool(lambda: self._context.practice)
        text = practice.answering.outside_hours.announcement
        await self._record(transcripts.Speaker.ASSISTANT, text, ANNOUNCEMENT_KEY)
        reply = Reply(text=text, key=ANNOUNCEMENT_KEY, interruptible=False)
        return TurnResult(replies=[reply], ended=True, end=CallEnd.HANGUP)

    async def handle_text(self, text: str) -> TurnResult:
        """Nothing to answer: the call is ending."""
        return TurnResult(ended=True, end=CallEnd.HANGUP)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Nothing to answer: the call is ending."""
        return TurnResult(ended=True, end=CallEnd.HANGUP)

    async def handle_silence(self) -> TurnResult:
        """Nothing to answer: the call is ending."""
        return TurnResult(ended=True, end=CallEnd.HANGUP)

    async def close(self, reason: str) -> None:
        """Close the call record."""
        await self._end_call(ANNOUNCEMENT_KEY)
