"""`CallRecorder`: two time-aligned channels, written as the call goes, valid however it ends."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import wave
from pathlib import Path

import numpy as np

import transcripts
from core import AppContext, Retention
from telephony.codec import FRAME_BYTES, MULAW_SILENCE, ulaw_to_pcm16
from telephony.recorder import CallRecorder

SID = "CArecorder0001"
QUIET = bytes([MULAW_SILENCE]) * FRAME_BYTES


def frames(count: int, seed: int) -> list[bytes]:
    """Distinct μ-law frames (noise), so that each can be found again in a channel."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 0x7F, FRAME_BYTES, dtype=np.uint8).tobytes() for _ in range(count)]


def channels(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The caller (left) and assistant (right) channels of a recording, checking its format.

    The file on disk is encrypted with the data key (no voice in clear); the staff page reads
    it back through `transcripts.read_recording`, as here."""
    stored = path.read_bytes()
    assert not stored.startswith(b"RIFF")
    with wave.open(io.BytesIO(transcripts.read_recording(path)), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    return data[:, 0], data[:, 1]


def pcm(ulaw: list[bytes]) -> np.ndarray:
    return ulaw_to_pcm16(b"".join(ulaw))


def recorder_for(var_dir: Path, sid: str = SID, **options: float) -> CallRecorder:
    return CallRecorder(
        transcripts.recording_path(var_dir, sid),
        transcripts.partial_recording_path(var_dir, sid),
        **options,
    )


def test_each_side_has_its_own_channel_on_the_inbound_clock(tmp_path: Path) -> None:
    caller, assistant = frames(60, seed=1), frames(20, seed=2)

    async def main() -> Path | None:
        recorder = recorder_for(tmp_path)
        recorder.start()
        for frame in caller[:10]:
            recorder.inbound(frame)
        for frame in assistant:  # sent ahead of playback, as the playout does
            recorder.sent(frame)
        # Twilio's payloads need not be 20 ms: the clock counts bytes, not messages.
        rest = b"".join(caller[10:])
        for start in range(0, len(rest), 400):
            recorder.inbound(rest[start : start + 400])
        return await recorder.close()

    path = asyncio.run(main())
    assert path == transcripts.recording_path(tmp_path, SID)
    left, right = channels(path)
    assert np.array_equal(left, pcm(caller))
    # Quiet until the assistant spoke, then its audio in order, then quiet again.
    expected = pcm([QUIET] * 10 + assistant + [QUIET] * 30)
    assert np.array_equal(right, expected)
    assert not transcripts.partial_recording_path(tmp_path, SID).exists()


def test_a_clear_drops_what_the_caller_never_heard(tmp_path: Path) -> None:
    heard, cleared, after = frames(5, seed=3), frames(50, seed=4), frames(5, seed=5)

    async def main() -> Path | None:
        recorder = recorder_for(tmp_path)
        recorder.start()
        for frame in heard + cleared:
            recorder.sent(frame)
        for frame in QUIET, QUIET, QUIET, QUIET, QUIET:
            recorder.inbound(frame)
        recorder.cleared()  # barge-in: Twilio empties its buffer
        for frame in after:
            recorder.sent(frame)
        for _ in range(10):
            recorder.inbound(QUIET)
        return await recorder.close()

    path = asyncio.run(main())
    assert path is not None
    _, right = channels(path)
    assert np.array_equal(right, pcm(heard + after + [QUIET] * 5))


def test_a_stalled_inbound_stream_does_not_hold_the_assistant_audio_in_memory(
    tmp_path: Path,
) -> None:
    spoken = frames(100, seed=6)  # 2 s, with room for only 1 s of backlog

    async def main() -> tuple[int, Path | None]:
        recorder = recorder_for(tmp_path, max_backlog_s=1.0)
        recorder.start()
        for frame in spoken:
            recorder.sent(frame)
        written = recorder.frames
        return written, await recorder.close()

    written, path = asyncio.run(main())
    assert written == 50
    assert path is not None
    left, right = channels(path)
    # Nothing played after the stall ended, so only the excess is in the file, against silence.
    assert np.array_equal(right, pcm(spoken[:50]))
    assert np.array_equal(left, pcm([QUIET] * 50))


def test_the_growing_file_is_a_valid_wav_at_every_step(tmp_path: Path) -> None:
    partial = transcripts.partial_recording_path(tmp_path, SID)

    async def main() -> tuple[int, Path | None]:
        recorder = recorder_for(tmp_path, batch_s=0.1)
        recorder.start()
        for frame in frames(50, seed=7):  # 1 s: ten batches
            recorder.inbound(frame)
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            if partial.exists() and partial.stat().st_size >= 44 + 50 * 160 * 4:
                break
            await asyncio.sleep(0.01)
        # Read while the call goes on: a crash now would leave this file.
        with wave.open(str(partial), "rb") as wav:
            midway = wav.getnframes()
        return midway, await recorder.close()

    midway, path = asyncio.run(main())
    assert midway == 50 * 160
    assert path is not None and not partial.exists()


def test_a_recording_that_cannot_be_written_is_lost_not_the_call(tmp_path: Path) -> None:
    blocked = tmp_path / "var"
    blocked.write_text("a file where the folder should be")

    async def main() -> Path | None:
        recorder = recorder_for(blocked)
        recorder.start()
        for frame in frames(100, seed=8):
            recorder.inbound(frame)
            await asyncio.sleep(0)
        return await recorder.close()

    assert asyncio.run(main()) is None


def test_retention_deletes_recordings_and_leftover_parts_after_their_period(
    context: AppContext,
) -> None:
    var_dir = context.settings.standardiste_var_dir

    async def record(sid: str) -> Path | None:
        recorder = recorder_for(var_dir, sid)
        recorder.start()
        for frame in frames(10, seed=9):
            recorder.inbound(frame)
        return await recorder.close()

    old = asyncio.run(record("CAold"))
    recent = asyncio.run(record("CArecent"))
    assert old is not None and recent is not None
    crashed = transcripts.partial_recording_path(var_dir, "CAcrashed")
    crashed.write_bytes(old.read_bytes())
    now = dt.datetime.now(dt.UTC)
    for path, age_days in ((old, 31), (crashed, 31), (recent, 29)):
        stamp = (now - dt.timedelta(days=age_days)).timestamp()
        os.utime(path, (stamp, stamp))
    report = transcripts.purge_expired(context, now=now, retention=Retention(recordings_days=30))
    assert report.recordings == 2
    assert not old.exists() and not crashed.exists()
    assert transcripts.existing_recording(var_dir, "CArecent") == recent
