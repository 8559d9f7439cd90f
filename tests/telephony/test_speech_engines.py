"""Loading the process's engines from the settings, and synthesising the catalogue's fixed
phrases as the practice says them."""

from __future__ import annotations

import time
from pathlib import Path

import dialogue
from core import PROJECT_ROOT, load_practice
from telephony.codec import FRAME_BYTES
from telephony.decoding_load import Search
from telephony.speech_engines import SEARCH_VIEWS, build_prompt_audio, load_speech_engines
from telephony.stt_vosk import VoskEngine, VoskParams
from telephony.tts_piper import PiperParams, PiperSynthesizer
from tests.support import make_settings
from tests.telephony.conftest import KOREAN_MODEL


def test_packaged_models_are_loaded_once(
    tmp_path: Path, vosk_engine: VoskEngine, piper: PiperSynthesizer
) -> None:
    # The French models' default locations are empty in a checkout (nothing downloaded here);
    # a path set elsewhere would have to exist (tests/faults/test_model_files.py).
    settings = make_settings(tmp_path, vosk_workers=0)  # in-process: its model is this one's
    params = (VoskParams(workers=2, max_idle=2), PiperParams(workers=1))
    engines = load_speech_engines(settings, vosk=params[0], piper=params[1], prewarm=1)
    try:
        assert not engines.models.all_french
        assert engines.recognition.model_path == KOREAN_MODEL
        # The model and the voice are the ones the session fixtures loaded: one per process.
        assert isinstance(engines.recognition, VoskEngine)
        assert engines.recognition.model is vosk_engine.model
        # Warmed behind the start, at a low priority: the pool fills within a minute here.
        deadline = time.monotonic() + 60
        while engines.recognition.idle < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engines.recognition.idle == 1
        assert engines.synthesis.voice is piper.voice
        assert engines.synthesis.voice.config.espeak_voice == "fr"
        again = load_speech_engines(settings, vosk=params[0], piper=params[1], prewarm=1)
        assert again is engines
    finally:
        engines.recognition.shutdown()
        engines.synthesis.shutdown()


def test_every_prompt_is_synthesised_for_the_practice(piper: PiperSynthesizer) -> None:
    practice = load_practice(PROJECT_ROOT / "config" / "practice.yaml")
    audio = build_prompt_audio(piper, practice)
    ready = dialogue.ready_replies(practice)
    assert audio.texts == {reply.text for reply in ready}
    assert {"utter_greet", "utter_emergency", "utter_technical_problem"} <= {r.key for r in ready}
    opening = audio.get(dialogue.say("utter_outside_hours_message", practice).text)
    assert opening is not None
    assert len(opening) * 0.02 > 5.0  # closed, who answers, 15/112, what to leave: many seconds
    assert all(len(frame) == FRAME_BYTES for frame in opening)


def test_the_adaptive_search_setting_loads_a_tight_view_beside_the_model(
    tmp_path: Path, piper: PiperSynthesizer
) -> None:
    settings = make_settings(tmp_path, vosk_workers=0, vosk_adaptive_search=True)
    params = (VoskParams(workers=2, max_idle=1), PiperParams(workers=1))
    engines = load_speech_engines(settings, vosk=params[0], piper=params[1], prewarm=0)
    try:
        recognition = engines.recognition
        assert isinstance(recognition, VoskEngine)
        assert recognition.searches == (Search.SHIPPED, Search.TIGHT)
        view = Path(recognition.params.tight_model)
        assert view.parent == settings.standardiste_var_dir / SEARCH_VIEWS
        conf = (view / "conf" / "model.conf").read_text(encoding="utf-8")
        assert "--max-active=1000" in conf and "--beam=8.0" in conf
        assert recognition.params.decoding_cores > 0
    finally:
        engines.recognition.shutdown()
        engines.synthesis.shutdown()
    # Off: the model's own search only.
    off = load_speech_engines(
        make_settings(tmp_path, vosk_workers=0, vosk_adaptive_search=False),
        vosk=params[0], piper=params[1], prewarm=0,
    )
    try:
        assert isinstance(off.recognition, VoskEngine)
        assert off.recognition.searches == (Search.SHIPPED,)
    finally:
        off.recognition.shutdown()
        off.synthesis.shutdown()
