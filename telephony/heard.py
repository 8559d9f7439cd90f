"""Waiting for what the caller heard: Twilio echoes a ``mark`` when an utterance's last frame
has played, so the call knows when its goodbye was heard and when to start the silence clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telephony.listening import Listener
from telephony.playout import PlayState, Utterance

_LOGGER = logging.getLogger(__name__)


async def until_heard(utterances: list[Utterance], grace_s: float, call_sid: str) -> None:
    """Wait for the marks of these utterances; give up on a mark that never comes (no frame
    went out for ``grace_s``: Twilio lost it, or the line is gone)."""
    for utterance in utterances:
        while not utterance.done.is_set():
            sent = utterance.frames_sent
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_s):
                    await utterance.done.wait()
            stalled = utterance.frames_sent == sent and utterance.state is PlayState.SENT
            if stalled and not utterance.done.is_set():
                _LOGGER.warning("mark not echoed", extra={"call_sid": call_sid})
                break


async def arm_when_heard(utterances: list[Utterance], listener: Listener) -> None:
    """Start the silence clock once the answer was heard whole (not when a barge-in cut it:
    the caller is talking)."""
    if utterances:
        await utterances[-1].done.wait()
        if utterances[-1].state is not PlayState.PLAYED:
            return
    listener.arm_silence_timeout()
