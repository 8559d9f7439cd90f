"""μ-law tables, resampling lengths, frame sizes."""

from __future__ import annotations

import audioop  # the reference G.711 codec; deprecated, present in Python 3.11

import numpy as np
import pytest

from telephony.codec import (
    FRAME_BYTES,
    MULAW_SILENCE,
    FrameSplitter,
    StreamResampler,
    float_to_pcm16,
    pcm16_to_ulaw,
    resample,
    split_frames,
    to_ulaw_frames,
    ulaw_to_pcm16,
)

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


def test_encoder_matches_the_reference_g711_on_every_sample() -> None:
    assert pcm16_to_ulaw(ALL_SAMPLES) == audioop.lin2ulaw(ALL_SAMPLES.tobytes(), 2)


def test_decoder_matches_the_reference_g711_on_every_code() -> None:
    codes = bytes(range(256))
    assert ulaw_to_pcm16(codes).tobytes() == audioop.ulaw2lin(codes, 2)


def test_known_codes() -> None:
    assert pcm16_to_ulaw(np.array([0], dtype=np.int16)) == bytes([MULAW_SILENCE])
    assert ulaw_to_pcm16(bytes([0xFF, 0x7F, 0x80, 0x00])).tolist() == [0, 0, 32124, -32124]


def test_bytes_and_arrays_encode_alike() -> None:
    assert pcm16_to_ulaw(ALL_SAMPLES.tobytes()) == pcm16_to_ulaw(ALL_SAMPLES)


def test_round_trip_error_is_within_the_mulaw_step() -> None:
    decoded = ulaw_to_pcm16(pcm16_to_ulaw(ALL_SAMPLES)).astype(np.int32)
    original = ALL_SAMPLES.astype(np.int32)
    error = np.abs(decoded - original)
    # μ-law is logarithmic: the step grows with the magnitude (at most ~1/10 of it at the
    # bottom of a segment, 8 near zero), and the top of the range clips to ±32124.
    in_range = np.abs(original) <= 32124
    assert np.all(error[in_range] <= np.maximum(8, np.abs(original[in_range]) / 10))
    assert np.mean(error[in_range] / np.maximum(1, np.abs(original[in_range]))) < 0.03
    assert np.abs(decoded).max() == 32124
    # Codes decode to themselves: encoding is idempotent after one round trip.
    assert pcm16_to_ulaw(ulaw_to_pcm16(pcm16_to_ulaw(ALL_SAMPLES))) == pcm16_to_ulaw(ALL_SAMPLES)


def test_round_trip_keeps_a_tone() -> None:
    t = np.arange(8000) / 8000
    tone = float_to_pcm16(0.5 * np.sin(2 * np.pi * 440 * t))
    back = ulaw_to_pcm16(pcm16_to_ulaw(tone)).astype(np.float64)
    snr = 10 * np.log10(np.sum(tone.astype(np.float64) ** 2) / np.sum((back - tone) ** 2))
    assert snr > 30  # G.711 gives ~38 dB on a loud tone


def test_float_to_pcm16_clips() -> None:
    assert float_to_pcm16(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0])).tolist() == [
        -32768,
        -32767,
        0,
        16384,
        32767,
        32767,
    ]


@pytest.mark.parametrize(("rate", "seconds"), [(22050, 1.0), (22050, 0.37), (16000, 2.0)])
def test_one_shot_resampling_lengths(rate: int, seconds: float) -> None:
    audio = np.zeros(round(rate * seconds), dtype=np.float32)
    out = resample(audio, rate, 8000)
    assert out.dtype == np.float32
    assert abs(len(out) - round(8000 * seconds)) <= 1


def test_resampling_keeps_a_tone_below_nyquist() -> None:
    t = np.arange(22050) / 22050
    out = resample((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), 22050, 8000)
    spectrum = np.abs(np.fft.rfft(out[1000:7000]))
    peak_hz = np.argmax(spectrum) * 8000 / 6000
    assert abs(peak_hz - 1000) < 5


def test_piper_rate_audio_to_frames() -> None:
    audio = (0.3 * np.sin(2 * np.pi * 300 * np.arange(22050) / 22050)).astype(np.float32)
    frames = to_ulaw_frames(audio, 22050)
    assert len(frames) == 50  # 1 s = 50 frames of 20 ms
    assert {len(frame) for frame in frames} == {FRAME_BYTES}


def test_the_last_frame_is_padded_with_silence() -> None:
    frames = split_frames(b"\x10" * 200)
    assert [len(f) for f in frames] == [160, 160]
    assert frames[1] == b"\x10" * 40 + bytes([MULAW_SILENCE]) * 120
    assert split_frames(b"") == []


def test_frame_splitter_regroups_payloads_of_any_length() -> None:
    splitter = FrameSplitter()
    stream = bytes(range(256)) * 10
    frames: list[bytes] = []
    for size in (160, 100, 7, 213, 160, 1000, 3):
        chunk, stream = stream[:size], stream[size:]
        frames.extend(splitter.push(chunk))
    assert all(len(f) == 160 for f in frames)
    assert b"".join(frames) + bytes(splitter._pending) == (bytes(range(256)) * 10)[:1643]
    assert splitter.pending_bytes == 1643 % 160


def test_stream_resampler_flushes_what_it_holds() -> None:
    resampler = StreamResampler(8000, 16000)
    chunk = float_to_pcm16(0.2 * np.sin(np.arange(160) / 3)).tobytes()
    out = b"".join(resampler.push(chunk) for _ in range(50))  # 1 s in 20 ms pieces
    held = resampler.flush()
    total = (len(out) + len(held)) // 2
    assert len(out) // 2 < 16000  # soxr HQ holds some audio back while streaming
    assert abs(total - 16000) <= 2
    assert resampler.push(chunk) == b""  # a fresh stream buffers again from the start
