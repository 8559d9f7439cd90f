"""Observers of the dialogue's events: the transcript recorder and the metrics."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

import transcripts
from dialogue.events import DialogueEvent, DialogueEventType
from standardiste.db import Database
from standardiste.metrics import TURN_LATENCY, TURNS


class TranscriptRecorder:
    """Writes every caller turn and assistant reply into the call's record."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def __call__(self, event: DialogueEvent) -> None:
        """Record the turns an event carries."""
        if event.type is DialogueEventType.CALLER_TURN:
            await run_in_threadpool(self._write, event, caller=True)
        elif event.type in (DialogueEventType.CALL_START, DialogueEventType.DIALOGUE_END):
            await run_in_threadpool(self._write, event, caller=False)

    def _write(self, event: DialogueEvent, *, caller: bool) -> None:
        with self._db.session() as session:
            if caller:
                self._add(session, event, transcripts.Speaker.CALLER, event.text, event.key)
                return
            for reply in event.replies:
                self._add(session, event, transcripts.Speaker.ASSISTANT, reply.text, reply.key)

    @staticmethod
    def _add(
        session: Session,
        event: DialogueEvent,
        speaker: transcripts.Speaker,
        text: str,
        key: str | None,
    ) -> None:
        transcripts.add_turn(
            session,
            call_sid=event.conversation_id,
            speaker=speaker,
            text=text,
            key=key,
            started_at=event.at,
        )


class MetricsObserver:
    """Counts caller turns per channel and times the dialogue stage."""

    def __init__(self, channel: str) -> None:
        self._channel = channel

    async def __call__(self, event: DialogueEvent) -> None:
        """Update the Prometheus metrics."""
        if event.type is DialogueEventType.CALLER_TURN:
            TURNS.labels(channel=self._channel).inc()
        elif event.type is DialogueEventType.DIALOGUE_END and "duration_s" in event.data:
            TURN_LATENCY.labels(stage="dialogue").observe(float(event.data["duration_s"]))
