"""The call simulator's own parts, and `standardiste call` against the live gateway."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from core import Decision, get_settings
from standardiste.cli import app
from standardiste.simulator import parse_twiml, sign, wav_frames, write_wav
from telephony import twiml
from telephony.codec import FRAME_BYTES
from tests.support import AUTH_TOKEN, PUBLIC_BASE
from tests.telephony.conftest import VoiceGateway


def test_the_stream_and_its_parameters_are_read_from_twiml() -> None:
    document = twiml.connect_stream(
        stream_url="wss://example.org/twilio/media",
        action_url="https://example.org/twilio/connect-action",
        call_sid="CA1",
        caller="+33612345678",
        token="tok",
        mode=Decision.MESSAGE,
    )
    url, params = parse_twiml(document)
    assert url == "wss://example.org/twilio/media"
    assert params == {"callSid": "CA1", "caller": "+33612345678", "token": "tok",
                      "mode": "message"}
    assert parse_twiml(twiml.hangup()) == (None, {})


def test_signatures_match_twilios_known_answer() -> None:
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert sign("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_wav_file_becomes_8_khz_mulaw_frames_and_back(tmp_path: Path) -> None:
    path = tmp_path / "caller.wav"
    tone = (np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000) * 12000).astype(np.int16)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(tone.tobytes())
    frames = wav_frames(path)
    assert len(frames) == 50 and all(len(f) == FRAME_BYTES for f in frames)
    out = tmp_path / "back.wav"
    write_wav(out, b"".join(frames))
    with wave.open(str(out), "rb") as wav:
        assert wav.getframerate() == 8000 and wav.getnframes() == 8000
        samples = np.frombuffer(wav.readframes(8000), dtype=np.int16)
    assert 9000 < np.abs(samples).max() < 13000


def test_standardiste_call_against_the_live_gateway(
    voice_gateway: VoiceGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    voice_gateway.answering("message")
    voice_gateway.hears("rappelez-moi demain matin")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
    get_settings.cache_clear()
    out = tmp_path / "assistant.wav"
    try:
        result = CliRunner().invoke(
            app,
            ["call", "--url", voice_gateway.gateway.url, "--say", "Rappelez-moi demain.",
             "--speed", "4", "--end", "wait", "--out", str(out)],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "(mode message)" in result.output
    assert "utter_outside_hours_message" in result.output and "utter_message_taken" in result.output
    assert "→ answer after" in result.output
    assert "<Hangup" in result.output
    with wave.open(str(out), "rb") as wav:
        assert wav.getnframes() > 8000 * 3


def test_standardiste_call_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "")
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["call", "--dtmf", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL" in result.output
