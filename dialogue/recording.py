"""Observers of the dialogue's events: the transcript recorder and the metrics."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

import transcripts
from core import TURN_LATENCY, TURNS, Database
from dialogue.events import DialogueEvent, DialogueEventType


class TranscriptRecorder:
    """Writes every caller turn and assistant reply into the call's record; when the database
    does not answer, into the instance's spool (`transcripts.write_durably`)."""

    def __init__(self, db: Database, spool: transcripts.Spool) -> None:
        self._db = db
        self._spool = spool

    async def __call__(self, event: DialogueEvent) -> None:
        """Record the turns an event carries."""
        if event.type is DialogueEventType.CALLER_TURN:
            await run_in_threadpool(self._write, event, caller=True)
        elif event.type in (DialogueEventType.CALL_START, DialogueEventType.DIALOGUE_END):
            await run_in_threadpool(self._write, event, caller=False)

    def _write(self, event: DialogueEvent, *, caller: bool) -> None:
        if caller:
            turns = [(transcripts.Speaker.CALLER, event.text, event.key)]
        else:
            turns = [(transcripts.Speaker.ASSISTANT, r.text, r.key) for r in event.replies]
        writes = [
            transcripts.turn_write(event.conversation_id, speaker, text, key, event.at)
            for speaker, text, key in turns
        ]
        if writes:
            transcripts.write_durably(self._db, self._spool, *writes)


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
