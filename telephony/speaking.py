"""Saying the dialogue's replies: ready audio when we have it, else Piper sentence by sentence.

A reply whose text is one of the catalogue's fixed phrases (`dialogue.ready_replies`) plays
from the `PromptAudio` built at start-up. Other replies are synthesised piece by piece
and handed to the `Playout` as each piece is ready, so the caller hears the first sentence
while the next one is synthesised. Replies said again and again (the greeting, "Quel est
votre nom ?") are kept as ready frames once they have been heard twice: keyed by a digest of
their text, so a reply naming a caller is never kept unless it recurs.

Synthesis keeps at most ``lookahead_s`` of audio ahead of what went out, so a barge-in wastes
little CPU. A barge-in flags the current job (`ReplySpeaker.interrupt`): the reply being
synthesised stops after the piece in progress, and the interruptible replies not yet started
are skipped; replies the caller may not interrupt (disclosure, emergency) are still said.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Sequence

from dialogue import Reply
from telephony.codec import FRAME_SECONDS
from telephony.playout import Playout, Utterance
from telephony.tts_piper import PiperSynthesizer, PromptAudio

# Piper's length_scale for a caller who asked to hear it slower: a quarter longer is clearly
# slower yet still natural.
SLOWER_LENGTH_SCALE = 1.25


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class ReplyAudioCache:
    """Ready μ-law frames of replies heard at least twice (LRU, bounded).

    Args:
        max_entries: Replies kept (~40 kB per 5 s reply).
        max_seen: Texts remembered (as digests) to spot the second occurrence.
    """

    def __init__(self, max_entries: int = 256, max_seen: int = 4096) -> None:
        self._frames: OrderedDict[bytes, tuple[bytes, ...]] = OrderedDict()
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._max_entries = max_entries
        self._max_seen = max_seen

    def get(self, text: str) -> tuple[bytes, ...] | None:
        """The frames of ``text`` when kept."""
        key = _digest(text)
        frames = self._frames.get(key)
        if frames is not None:
            self._frames.move_to_end(key)
        return frames

    def offer(self, text: str, frames: Sequence[bytes]) -> None:
        """The whole audio of a reply just synthesised: kept when this text was seen before."""
        key = _digest(text)
        if key in self._seen:
            self._frames[key] = tuple(frames)
            self._frames.move_to_end(key)
            while len(self._frames) > self._max_entries:
                self._frames.popitem(last=False)
            return
        self._seen[key] = None
        while len(self._seen) > self._max_seen:
            self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._frames)


class ReplySpeaker:
    """Turns one call's replies into queued audio (see the module docstring)."""

    def __init__(
        self,
        playout: Playout,
        synthesis: PiperSynthesizer,
        prompts: PromptAudio,
        cache: ReplyAudioCache,
        *,
        lookahead_s: float = 2.0,
    ) -> None:
        self._playout = playout
        self._synthesis = synthesis
        self._prompts = prompts
        self._cache = cache
        self._interrupted = False
        self.lookahead_s = lookahead_s
        self.speaking = False
        """True while a job is queuing audio (synthesis may still be running)."""
        self.pieces_synthesised = 0
        """Pieces of text Piper synthesised for this call (a barge-in stops the count)."""
        self.length_scale: float | None = None
        """Set once the caller asked for slower speech: every reply is then synthesised at
        that pace (the ready audio, at the voice's own pace, is no longer used)."""

    def slow_down(self, length_scale: float = SLOWER_LENGTH_SCALE) -> None:
        """Speak slower for the rest of the call."""
        self.length_scale = length_scale

    def interrupt(self) -> None:
        """Barge-in: stop the reply being synthesised and skip the interruptible ones left."""
        self._interrupted = True

    async def say(
        self, replies: Sequence[Reply], started: Callable[[Utterance], None] | None = None
    ) -> list[Utterance]:
        """Queue every reply's audio, in order; returns once all of it is queued.

        Args:
            replies: The turn's replies.
            started: Called with each utterance as it is opened (for latency events).

        Returns:
            The utterances queued (their ``done`` tells when they were played or cleared).
        """
        self._interrupted = False
        self.speaking = True
        utterances: list[Utterance] = []
        try:
            for reply in replies:
                if self._interrupted and reply.interruptible:
                    continue
                utterances.append(await self._say_one(reply, started))
        finally:
            self.speaking = False
        return utterances

    async def _keep_ahead(self, utterance: Utterance, queued_frames: int) -> None:
        """Synthesise the next piece only when the audio queued ahead runs short.

        The playout sends in real time, so waiting costs the caller nothing, and a barge-in
        then throws away at most ``lookahead_s`` of synthesised audio, not the whole reply.
        """
        ahead_s = (queued_frames - utterance.frames_sent) * FRAME_SECONDS
        if ahead_s > self.lookahead_s:
            # Woken early when a barge-in ends the utterance.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ahead_s - self.lookahead_s):
                    await utterance.done.wait()

    def _ready(self, reply: Reply) -> tuple[bytes, ...] | None:
        if self.length_scale is not None:
            return None
        return self._prompts.get(reply.text) or self._cache.get(reply.text)

    async def _say_one(
        self, reply: Reply, started: Callable[[Utterance], None] | None
    ) -> Utterance:
        ready = self._ready(reply)
        if ready is not None:
            utterance = self._playout.play(ready, reply.key, interruptible=reply.interruptible)
            if started:
                started(utterance)
            return utterance
        utterance = self._playout.begin(reply.key, interruptible=reply.interruptible)
        if started:
            started(utterance)
        frames: list[bytes] = []
        complete = True
        pieces = self._synthesis.stream(reply.text, length_scale=self.length_scale)
        try:
            async for piece in pieces:
                self.pieces_synthesised += 1
                if not self._playout.add(utterance, piece):
                    complete = False  # interrupted: stop synthesising
                    break
                frames.extend(piece)
                await self._keep_ahead(utterance, len(frames))
                if utterance.done.is_set():
                    complete = False  # interrupted while waiting: nothing more to synthesise
                    break
        finally:
            self._playout.end(utterance)
            if isinstance(pieces, AsyncGenerator):
                await pieces.aclose()
        if complete and self.length_scale is None:
            self._cache.offer(reply.text, frames)
        return utterance
