"""Audio formats on the phone path: G.711 μ-law ↔ 16-bit PCM, resampling, 20 ms frames.

Twilio carries 8 kHz μ-law both ways. Conversions use two numpy lookup tables (``audioop`` is
deprecated and gone in Python 3.13); resampling uses soxr.

Inbound: the recognizer is fed the 8 kHz PCM as it comes. Kaldi models whose ``mfcc.conf``
allows upsampling (both the packaged Korean model and the small French one do) resample
internally, which measured ~10 % cheaper than resampling ourselves (voice-costs V4) and adds no
delay, whereas soxr's streaming HQ resampler holds back ~100 ms (D3). `StreamResampler` exists for
a model that needs its own rate; it is flushed at the end of each utterance, so its delay only
postpones partial results, never the end of a turn.

Outbound: Piper synthesises a whole sentence at 22,050 Hz; `to_ulaw_frames` resamples that
sentence in one shot (no streaming delay, ~2 µs per 20 ms) and cuts it into 160-byte frames.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import soxr

SAMPLE_RATE: Final = 8000
FRAME_SECONDS: Final = 0.02
FRAME_SAMPLES: Final = 160
FRAME_BYTES: Final = 160
"""One 20 ms μ-law frame: one byte per sample."""
PCM_FRAME_BYTES: Final = 2 * FRAME_SAMPLES
MULAW_SILENCE: Final = 0xFF
"""μ-law code for 0: the filler for the last frame of a sentence."""

Int16Array = npt.NDArray[np.int16]
FloatArray = npt.NDArray[np.float32]

_BIAS = 0x84
_CLIP = 8159
"""Largest 14-bit magnitude the reference encoder keeps before the top segment."""


def _build_decode_table() -> Int16Array:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _build_encode_table() -> npt.NDArray[np.uint8]:
    # The reference G.711 encoder (Sun g711.c, as in audioop) on 14-bit magnitudes, indexed
    # by the int16 sample reinterpreted as uint16 so that encoding is one take().
    samples = np.arange(65536, dtype=np.int32)
    samples = np.where(samples >= 32768, samples - 65536, samples) >> 2
    mask = np.where(samples < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(samples), _CLIP) + (_BIAS >> 2)
    segment = np.maximum(np.floor(np.log2(magnitude)).astype(np.int32) - 5, 0)
    mantissa = (magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F
    code = np.where(segment > 7, 0x7F, (segment << 4) | mantissa)
    return (code ^ mask).astype(np.uint8)


_DECODE: Final = _build_decode_table()
_ENCODE: Final = _build_encode_table()


def ulaw_to_pcm16(data: bytes) -> Int16Array:
    """Decode μ-law bytes to 16-bit samples.

    Args:
        data: μ-law bytes, one per sample.

    Returns:
        The int16 samples, same length as ``data``.
    """
    samples: Int16Array = _DECODE[np.frombuffer(data, dtype=np.uint8)]
    return samples


def pcm16_to_ulaw(samples: Int16Array | bytes) -> bytes:
    """Encode 16-bit samples (array or little-endian bytes) to μ-law bytes."""
    array = np.frombuffer(samples, dtype=np.int16) if isinstance(samples, bytes) else samples
    return _ENCODE[array.astype(np.int16, copy=False).view(np.uint16)].tobytes()


def float_to_pcm16(audio: npt.NDArray[np.floating]) -> Int16Array:
    """Float samples in [-1, 1] to int16, clipped."""
    samples: Int16Array = np.clip(np.rint(audio * 32767.0), -32768, 32767).astype(np.int16)
    return samples


def resample(audio: npt.NDArray[np.floating], in_rate: int, out_rate: int) -> FloatArray:
    """Resample a whole buffer in one shot (soxr HQ): no streaming delay.

    Args:
        audio: Mono float samples.
        in_rate: Their rate in Hz.
        out_rate: The wanted rate in Hz.

    Returns:
        float32 samples at ``out_rate`` (about ``len(audio) * out_rate / in_rate`` of them).
    """
    data = np.asarray(audio, dtype=np.float32)
    if in_rate == out_rate:
        return data
    result: FloatArray = soxr.resample(data, in_rate, out_rate, quality="HQ").astype(
        np.float32, copy=False
    )
    return result


def split_frames(ulaw: bytes) -> list[bytes]:
    """Cut μ-law audio into 160-byte (20 ms) frames, padding the last one with silence."""
    if not ulaw:
        return []
    remainder = len(ulaw) % FRAME_BYTES
    if remainder:
        ulaw += bytes([MULAW_SILENCE]) * (FRAME_BYTES - remainder)
    return [ulaw[i : i + FRAME_BYTES] for i in range(0, len(ulaw), FRAME_BYTES)]


def to_ulaw_frames(audio: npt.NDArray[np.floating], rate: int) -> list[bytes]:
    """A synthesised sentence (float samples at ``rate``) as 8 kHz μ-law 20 ms frames.

    Args:
        audio: Mono float samples in [-1, 1], e.g. Piper's 22,050 Hz output.
        rate: Their rate in Hz.

    Returns:
        160-byte μ-law frames, the last one padded with μ-law silence.
    """
    return split_frames(pcm16_to_ulaw(float_to_pcm16(resample(audio, rate, SAMPLE_RATE))))


class FrameSplitter:
    """Regroups inbound μ-law payloads of any length into exact 20 ms frames.

    Twilio sends 160 bytes per message in practice but promises no size; the voice activity
    detector needs exact 10/20/30 ms frames.
    """

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        self._frame_bytes = frame_bytes
        self._pending = bytearray()

    def push(self, payload: bytes) -> list[bytes]:
        """Add a payload; return every whole frame now available, in order."""
        if not self._pending and len(payload) == self._frame_bytes:
            return [payload]
        self._pending += payload
        whole = len(self._pending) - len(self._pending) % self._frame_bytes
        frames = [
            bytes(self._pending[i : i + self._frame_bytes])
            for i in range(0, whole, self._frame_bytes)
        ]
        del self._pending[:whole]
        return frames

    @property
    def pending_bytes(self) -> int:
        """Bytes held back until the next frame completes."""
        return len(self._pending)


class StreamResampler:
    """Streaming int16 resampler (soxr) for a recognizer that cannot take 8 kHz itself.

    soxr HQ holds back ~100 ms; `flush` releases it at the end of an utterance and starts a
    fresh stream, so the held audio is the trailing silence of the end-of-turn window.
    """

    def __init__(self, in_rate: int, out_rate: int, quality: str = "HQ") -> None:
        self._in_rate = in_rate
        self._out_rate = out_rate
        self._quality = quality
        self._stream = self._new_stream()

    def _new_stream(self) -> soxr.ResampleStream:
        return soxr.ResampleStream(
            self._in_rate, self._out_rate, 1, dtype="int16", quality=self._quality
        )

    def push(self, pcm: bytes) -> bytes:
        """Resample 16-bit little-endian PCM; may return less (or nothing) while soxr buffers."""
        samples = np.frombuffer(pcm, dtype=np.int16)
        out: Int16Array = self._stream.resample_chunk(samples, last=False)
        return out.tobytes()

    def flush(self) -> bytes:
        """Return what soxr still holds and start a new stream for the next utterance."""
        out: Int16Array = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        self._stream = self._new_stream()
        return out.tobytes()
