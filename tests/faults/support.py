"""Helpers for the fault tests: call records in a given state, a slot held for a call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

import agenda
import transcripts
from core import AppContext
from tests.support import CALLER


def open_voice_call(
    session: Session,
    call_sid: str,
    *,
    started_at: dt.datetime,
    heartbeat_at: dt.datetime | None = None,
    instance: str | None = None,
    answered_by: str = "assistant",
    channel: str = "voice",
) -> transcripts.Call:
    """A call record as the webhook and (with a heartbeat) a streaming instance leave it."""
    call = transcripts.open_call(
        session, call_sid=call_sid, caller=CALLER, called=None, answered_by=answered_by,
        channel=channel,
    )
    call.started_at = started_at
    if heartbeat_at is not None:
        call.status = transcripts.CallStatus.IN_PROGRESS.value
        call.heartbeat_at = heartbeat_at
        call.instance = instance or "gw-dead"
    session.flush()
    return call


def say(session: Session, call_sid: str, *caller_words: str) -> None:
    """The caller's words, each after an assistant question, in the call's transcript."""
    for words in caller_words:
        transcripts.add_turn(
            session, call_sid=call_sid, speaker=transcripts.Speaker.ASSISTANT, text="Question ?",
            key="utter_ask",
        )
        transcripts.add_turn(
            session, call_sid=call_sid, speaker=transcripts.Speaker.CALLER, text=words
        )


def hold_a_slot(context: AppContext, call_sid: str) -> agenda.HeldSlot:
    """One consultation slot held for the call, as the booking form does."""
    practice = context.practice
    with context.db.session() as session:
        agenda.sync_from_config(session, practice)
        found = agenda.search_slots(session, practice, "consultation", conversation_id=call_sid)
        [held] = agenda.hold_slots(session, practice, found[:1], conversation_id=call_sid)
    return held


def live_holds(context: AppContext, call_sid: str) -> list[agenda.HeldSlot]:
    """The call's holds still alive."""
    with context.db.session() as session:
        return agenda.conversation_holds(session, context.practice, call_sid)
