"""Outbound pacing, marks, barge-in and uninterruptible utterances, in real time."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from telephony.playout import Playout, PlayState

SID = "MZ0123456789abcdef0123456789abcdef"
LEAD = 0.1


class Wire:
    """What the playout sent, with send times and Twilio's buffer as the playout saw it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.buffered: list[float] = []
        self.playout: Playout | None = None

    async def send(self, text: str) -> None:
        self.messages.append(json.loads(text))
        self.times.append(time.monotonic())
        if self.playout is not None:
            self.buffered.append(self.playout.buffered_s)

    def kinds(self) -> list[str]:
        return [m["mark"]["name"] if m["event"] == "mark" else m["event"] for m in self.messages]

    def media_count(self) -> int:
        return sum(1 for m in self.messages if m["event"] == "media")


def frames(count: int, tag: int = 0) -> list[bytes]:
    return [bytes([tag]) + bytes([i % 256]) * 159 for i in range(count)]


def run(test: Callable[[Playout, Wire], Awaitable[None]]) -> Wire:
    async def main() -> Wire:
        wire = Wire()
        playout = Playout(wire.send, SID, lead_s=LEAD)
        wire.playout = playout
        playout.start()
        try:
            await test(playout, wire)
        finally:
            await playout.close()
        return wire

    return asyncio.run(main())


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def test_frames_go_out_paced_a_little_ahead_of_real_time() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        utterance = playout.play(frames(30), "reply")
        await until(lambda: utterance.state is PlayState.SENT)

    wire = run(scenario)
    media_times = [
        t for t, m in zip(wire.times, wire.messages, strict=True) if m["event"] == "media"
    ]
    assert len(media_times) == 30
    # 0.6 s of audio with 0.1 s kept ahead: the last frame leaves ~0.48 s after the first.
    spread = media_times[-1] - media_times[0]
    assert 0.4 <= spread <= 0.75
    # Twilio never holds much more than the lead: barge-in stays instant.
    assert max(wire.buffered) <= LEAD + 0.02 + 1e-6
    # Payloads go out in order, as sent.
    sent = [base64.b64decode(m["media"]["payload"]) for m in wire.messages if m["event"] == "media"]
    assert sent == frames(30)


def test_a_mark_follows_each_utterance_and_its_echo_means_played() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        first = playout.play(frames(3, 1), "greeting", interruptible=False)
        second = playout.play(frames(2, 2))
        await until(lambda: second.state is PlayState.SENT)
        assert wire.kinds() == ["media"] * 3 + [first.mark] + ["media"] * 2 + [second.mark]
        assert playout.busy
        assert playout.on_mark(first.mark) is first
        assert first.state is PlayState.PLAYED and first.done.is_set()
        assert first.heard_s == pytest.approx(0.06)
        assert playout.on_mark(first.mark) is None  # echoed once only
        assert playout.on_mark("u99-unknown") is None
        playout.on_mark(second.mark)
        assert not playout.busy

    run(scenario)


def test_streamed_utterance_waits_for_its_pieces() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        utterance = playout.begin("reply")
        later = playout.play(frames(1, 9), "after")
        assert playout.add(utterance, frames(2, 1))
        await until(lambda: wire.media_count() == 2)
        await asyncio.sleep(0.1)  # the second sentence is still being synthesised
        assert wire.kinds() == ["media", "media"]  # the next utterance does not jump ahead
        playout.add(utterance, frames(2, 2))
        playout.end(utterance)
        assert not playout.add(utterance, frames(1))  # ended: no more frames
        await until(lambda: later.state is PlayState.SENT)
        assert wire.kinds() == ["media"] * 4 + [utterance.mark, "media", later.mark]

    run(scenario)


def test_interrupt_clears_twilio_and_drops_what_is_pending() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        speaking = playout.play(frames(50), "reply")
        queued = playout.play(frames(10), "next")
        await asyncio.sleep(0.2)
        result = await playout.interrupt()
        assert result.cleared
        assert result.stopped == (speaking, queued)
        assert result.kept == ()
        assert speaking.state is PlayState.CLEARED
        assert 0.1 <= speaking.heard_s <= 0.35  # roughly what had played by then
        assert queued.state is PlayState.DROPPED and queued.heard_s == 0
        assert speaking.done.is_set() and queued.done.is_set()
        sent_before = len(wire.messages)
        await asyncio.sleep(0.1)
        assert len(wire.messages) == sent_before  # nothing more goes out
        assert wire.kinds()[-1] == "clear"
        assert not playout.busy
        # The producer learns that its utterance is gone.
        assert not playout.add(speaking, frames(1))

    wire = run(scenario)
    assert wire.media_count() < 20


def test_an_echoed_mark_after_clear_means_cleared_not_heard() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        utterance = playout.play(frames(3))
        await until(lambda: utterance.state is PlayState.SENT)
        result = await playout.interrupt()
        assert result.cleared
        # Twilio echoes every pending mark after a clear.
        assert playout.on_mark(utterance.mark) is None
        assert utterance.state is PlayState.CLEARED

    run(scenario)


def test_uninterruptible_utterances_survive_interrupt() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        disclosure = playout.play(frames(15, 1), "greeting", interruptible=False)
        question = playout.play(frames(10, 2), "utter_ask")
        emergency = playout.play(frames(5, 3), "utter_emergency", interruptible=False)
        await asyncio.sleep(0.05)
        result = await playout.interrupt()
        assert not result.cleared
        assert result.stopped == (question,)
        assert result.kept == (disclosure, emergency)
        assert question.state is PlayState.DROPPED
        await until(lambda: emergency.state is PlayState.SENT)
        assert "clear" not in wire.kinds()
        assert wire.kinds() == ["media"] * 15 + [disclosure.mark] + ["media"] * 5 + [emergency.mark]

    run(scenario)


def test_interrupt_waits_for_an_uninterruptible_utterance_still_playing_at_twilio() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        disclosure = playout.play(frames(3, 1), "greeting", interruptible=False)
        await until(lambda: disclosure.state is PlayState.SENT)
        reply = playout.play(frames(40, 2))
        await until(lambda: wire.media_count() >= 5)
        # Twilio has not confirmed the disclosure yet: clearing would cut it.
        result = await playout.interrupt()
        assert not result.cleared
        assert reply.state is PlayState.CLEARED  # cut short; only the frames sent can play
        assert reply.heard_s == pytest.approx(reply.sent_s)
        assert reply.frames_sent < 40
        playout.on_mark(disclosure.mark)
        assert disclosure.state is PlayState.PLAYED
        # Once the disclosure has played, a barge-in clears as usual.
        answer = playout.play(frames(40, 3))
        await until(lambda: answer.frames_sent > 2)
        assert (await playout.interrupt()).cleared

    wire = run(scenario)
    assert wire.kinds().count("clear") == 1


def test_interrupt_with_nothing_playing_sends_nothing() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        result = await playout.interrupt()
        assert not result.cleared and result.stopped == () and result.kept == ()

    assert run(scenario).messages == []


def test_close_drops_what_is_pending() -> None:
    async def scenario(playout: Playout, wire: Wire) -> None:
        long = playout.play(frames(100))
        never = playout.play(frames(5))
        await until(lambda: long.frames_sent > 0)
        await playout.close()
        assert long.state is PlayState.CLEARED
        assert never.state is PlayState.DROPPED

    run(scenario)
