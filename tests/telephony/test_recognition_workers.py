"""Recognition in worker processes, for real (the packaged Korean Vosk model, the real voice), and
what happens to live calls when a worker dies: killed with SIGKILL, or crashing with SIGSEGV.

One pool of two workers serves the whole module (loaded as the gateway loads it, from the
settings); every test starts once both workers are ready again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from dialogue import CallEnd, Reply, TurnResult
from telephony.call_events import CallEvent, CallEventType
from telephony.codec import PCM_FRAME_BYTES
from telephony.session import CallSession
from telephony.speech_engines import load_speech_engines
from telephony.stt import RecognitionLost
from telephony.stt_isolated import IsolatedRecognition
from telephony.stt_vosk import VoskParams
from telephony.stt_workers import RecognitionWorkers
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.voice_service import VoiceParams, VoiceService
from tests.support import make_settings
from tests.telephony.calls import SID, FakeConversation, FakeTwilio, silence, text_frames, until
from tests.telephony.conftest import KOREAN_MODEL, line_noise

CALLS = 5
FIRST = "Bonjour je voudrais prendre un rendez-vous avec la docteure Martin demain matin."
AGAIN = "Je voudrais un rendez-vous."


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecognitionWorkers]:
    """Two recognition workers, as `standardiste serve` starts them (``VOSK_WORKERS=2``)."""
    settings = make_settings(tmp_path_factory.mktemp("workers"), vosk_workers=2)
    engines = load_speech_engines(settings, vosk=VoskParams(workers=2, max_idle=6), prewarm=2)
    pool = engines.recognition
    assert isinstance(pool, RecognitionWorkers)
    assert pool.model_path == KOREAN_MODEL
    yield pool
    pool.shutdown()


@pytest.fixture
def ready(workers: RecognitionWorkers) -> RecognitionWorkers:
    assert workers.wait_ready(120), "the recognition workers did not (re)start"
    return workers


def _counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _say(recognizer: IsolatedRecognition, pcm: bytes) -> str:
    for i in range(0, len(pcm), PCM_FRAME_BYTES):
        await recognizer.feed(pcm[i : i + PCM_FRAME_BYTES])
    return await recognizer.finish()


def test_calls_are_spread_over_the_workers_and_recognised_apart_from_the_gateway(
    ready: RecognitionWorkers, spoken: list[bytes]
) -> None:
    async def calls() -> tuple[list[str], set[int]]:
        recognizers = [await ready.open() for _ in range(2)]
        pids = {r.worker.pid for r in recognizers if r.worker is not None}
        texts = await asyncio.gather(*(_say(r, spoken[i]) for i, r in enumerate(recognizers)))
        silent = await _say(recognizers[0], line_noise(0.5))
        for recognizer in recognizers:
            await recognizer.close()
        return [*texts, silent], pids

    texts, pids = asyncio.run(calls())
    assert all(text.strip() for text in texts[:2])
    assert texts[0] != texts[1]
    assert texts[2] == ""
    assert pids == {w.pid for w in ready.workers} and os.getpid() not in pids
    assert all(w.calls == 0 for w in ready.workers)


def test_a_pause_caught_up_in_by_the_worker_keeps_the_utterance_whole(
    ready: RecognitionWorkers, spoken: list[bytes]
) -> None:
    """The listener's catch-up at a pause goes to the worker's finishing threads and returns the
    words so far; the caller's next words then end in one text (the worker joins any segment
    its endpoints closed, once: this side adds none)."""

    async def call() -> tuple[str, str, str]:
        recognizer = await ready.open()
        pcm = spoken[0] + line_noise(0.3)
        for i in range(0, len(pcm) - PCM_FRAME_BYTES, PCM_FRAME_BYTES):
            await recognizer.feed(pcm[i : i + PCM_FRAME_BYTES])
        update = await recognizer.catch_up(pcm[-PCM_FRAME_BYTES:])
        nothing = await recognizer.catch_up()
        assert update is not None and nothing is None
        whole = await _say(recognizer, spoken[1])
        alone = await _say(recognizer, spoken[1])
        await recognizer.close()
        return update.partial or update.final or "", whole, alone

    so_far, whole, alone = asyncio.run(call())
    assert so_far.strip()
    assert len(whole.split()) > len(alone.split())  # both pieces, in one utterance


def test_a_worker_dying_between_utterances_costs_the_call_nothing(
    ready: RecognitionWorkers, spoken: list[bytes]
) -> None:
    async def call() -> tuple[str, str, int]:
        recognizer = await ready.open()
        first = await _say(recognizer, spoken[1])
        dead = recognizer.worker
        assert dead is not None
        os.kill(dead.pid, signal.SIGKILL)
        await until(lambda: not dead.alive, 10)
        second = await _say(recognizer, spoken[1])
        moves = recognizer.moves
        await recognizer.close()
        return first, second, moves

    lost = ready.stats.lost
    first, second, moves = asyncio.run(call())
    assert first.strip() and second.strip()
    assert moves == 1
    assert ready.stats.lost == lost


def test_a_worker_dying_mid_utterance_loses_only_that_utterance(
    ready: RecognitionWorkers, spoken: list[bytes]
) -> None:
    async def call() -> tuple[bool, str]:
        recognizer = await ready.open()
        half = len(spoken[0]) // 2 // PCM_FRAME_BYTES * PCM_FRAME_BYTES
        for i in range(0, half, PCM_FRAME_BYTES):
            await recognizer.feed(spoken[0][i : i + PCM_FRAME_BYTES])
        assert recognizer.holding and recognizer.worker is not None
        os.kill(recognizer.worker.pid, signal.SIGKILL)
        for i in range(half, len(spoken[0]), PCM_FRAME_BYTES):
            await recognizer.feed(spoken[0][i : i + PCM_FRAME_BYTES])
        try:
            await recognizer.finish()
            lost = False
        except RecognitionLost:
            lost = True
        again = await _say(recognizer, spoken[1])  # the next utterance, on a live worker
        await recognizer.close()
        return lost, again

    lost, again = asyncio.run(call())
    assert lost
    assert again.strip()


@dataclass
class _Line:
    twilio: FakeTwilio
    session: CallSession
    conversation: FakeConversation
    recognizer: IsolatedRecognition
    said_again_at: float | None = None


@pytest.mark.parametrize("kill", [signal.SIGSEGV, signal.SIGKILL], ids=["SIGSEGV", "SIGKILL"])
def test_five_live_calls_survive_a_worker_dying_mid_sentence(
    ready: RecognitionWorkers, piper: PiperSynthesizer, prompt_audio: PromptAudio, kill: int
) -> None:
    first, again = text_frames(piper, FIRST), text_frames(piper, AGAIN)
    deaths, restarts = ready.stats.deaths, ready.stats.restarts
    exits = _counter("standardiste_recognition_worker_exits_total",
                     cause=signal.Signals(kill).name)
    events: list[CallEvent] = []

    async def collect(event: CallEvent) -> None:
        events.append(event)

    async def main() -> tuple[list[_Line], list[str], list[_Line]]:
        voice = VoiceService(ready, piper, params=VoiceParams(lead_s=60.0), observers=[collect])
        lines = []
        for n in range(CALLS):
            twilio, recognizer = FakeTwilio(), await ready.open()
            goodbye = TurnResult([Reply("Au revoir.", "utter_goodbye")], ended=True,
                                 end=CallEnd.HANGUP)
            conversation = FakeConversation(answers=[goodbye])
            session = CallSession(
                call_sid=f"CA{n:032d}", stream_sid=SID, conversation=conversation,
                recognizer=recognizer, voice=voice, prompt_audio=prompt_audio,
                send=twilio.send, hang_up=twilio.hang_up,
            )
            lines.append(_Line(twilio, session, conversation, recognizer))
        running = [asyncio.create_task(line.session.run(line.twilio.frames())) for line in lines]

        async def caller(line: _Line) -> None:
            await until(lambda: line.twilio.marked("utter_greet"))
            await line.twilio.speak(first + silence(1.0), speed=1.0)
            await until(lambda: line.twilio.marked("utter_say_again")
                        or line.twilio.marked("utter_goodbye"), 90)
            if line.twilio.marked("utter_say_again"):
                line.said_again_at = time.monotonic()
                await line.twilio.speak(again + silence(1.0), speed=2.0)

        def holding() -> dict[int, list[_Line]]:
            by_worker: dict[int, list[_Line]] = {}
            for line in lines:
                worker = line.recognizer.worker
                if line.recognizer.holding and worker is not None:
                    by_worker.setdefault(worker.pid, []).append(line)
            return by_worker

        callers = [asyncio.create_task(caller(line)) for line in lines]
        # The callers speak at once; the worker dies while it holds the most of their words.
        await until(lambda: max(map(len, holding().values()), default=0) >= 2, 60)
        pid, _ = max(holding().items(), key=lambda item: len(item[1]))
        victims = [line for line in lines if line.recognizer.worker is not None
                   and line.recognizer.worker.pid == pid]
        os.kill(pid, kill)
        async with asyncio.timeout(120):
            await asyncio.gather(*callers)
            reasons = list(await asyncio.gather(*running))
        return lines, reasons, victims

    lines, reasons, victims = asyncio.run(main())
    # Every call went on and ended with the dialogue's goodbye: none was cut.
    assert reasons == ["completed"] * CALLS
    assert all(line.conversation.closed == ["completed"] for line in lines)
    lost = {e.call_sid for e in events if e.type is CallEventType.ERROR
            and e.key == "recognition-lost"}
    hit = [line for line in lines if line.session.call_sid in lost]
    # Words died only with the killed worker.
    assert hit and all(line in victims for line in hit)
    # Those callers were asked to repeat, once, on a live worker; then understood.
    assert all(line.said_again_at is not None and line.recognizer.moves == 1 for line in hit)
    assert all(len(line.conversation.calls) == 2 for line in hit)  # start, the repeated words
    # The others never noticed.
    others = [line for line in lines if line not in victims]
    assert others and all(line.said_again_at is None for line in lines if line not in hit)
    assert all(line.recognizer.moves == 0 for line in others)
    # The worker was counted and restarted.
    assert ready.stats.deaths == deaths + 1
    assert _counter("standardiste_recognition_worker_exits_total",
                    cause=signal.Signals(kill).name) == exits + 1
    assert ready.wait_ready(120) and ready.stats.restarts == restarts + 1


def test_workers_do_not_outlive_their_gateway(tmp_path: Path) -> None:
    # A gateway-like process with one worker, killed outright: the worker sees its pipe close.
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from telephony.stt_workers import RecognitionWorkers, WorkerParams\n"
        "params = WorkerParams(workers=1, warm_recognizers=0)\n"
        "pool = RecognitionWorkers(Path(sys.argv[1]), params)\n"
        "pool.start(wait_s=120)\n"
        "print(pool.workers[0].pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    gateway = subprocess.Popen(
        [sys.executable, "-c", script, str(KOREAN_MODEL)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert gateway.stdout is not None
        pid = int(gateway.stdout.readline())
        assert _running(pid)
        gateway.kill()
        gateway.wait()
        deadline = time.monotonic() + 20
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(pid)
    finally:
        gateway.kill()
        gateway.wait()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
