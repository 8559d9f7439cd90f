"""A tuned Vosk search: the model's conf rewritten in a view, the model files untouched."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import vosk
from pydantic import ValidationError

from core import Settings
from telephony.speech_engines import vosk_search
from telephony.vosk_search import VoskSearch, searched_model, tuned_conf
from tests.telephony.conftest import KOREAN_MODEL

TIGHT = VoskSearch(max_active=500, min_active=100, beam=7.0)


def _conf(folder: Path) -> dict[str, str]:
    text = (folder / "conf" / "model.conf").read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_overrides_replace_the_models_values_and_keep_the_rest() -> None:
    original = "--min-active=200\n--max-active=3000\n--beam=10.0\n--frame-subsampling-factor=3\n"
    tuned = tuned_conf(original, VoskSearch(max_active=1000, beam=8.0, lattice_beam=1.5))
    lines = tuned.splitlines()
    assert "--max-active=1000" in lines and "--beam=8.0" in lines
    assert "--lattice-beam=1.5" in lines  # absent from the model's conf: added
    assert "--min-active=200" in lines and "--frame-subsampling-factor=3" in lines
    assert not any(line.startswith(("--max-active=3000", "--beam=10")) for line in lines)


def test_the_default_search_is_the_model_itself(tmp_path: Path) -> None:
    assert searched_model(KOREAN_MODEL, VoskSearch(), tmp_path) == KOREAN_MODEL
    assert list(tmp_path.iterdir()) == []


def test_a_tuned_view_links_the_model_and_carries_its_own_conf(tmp_path: Path) -> None:
    before = (KOREAN_MODEL / "conf" / "model.conf").read_text(encoding="utf-8")
    view = searched_model(KOREAN_MODEL, TIGHT, tmp_path)
    assert view.parent == tmp_path and view != KOREAN_MODEL
    assert _conf(view)["--max-active"] == "500" and _conf(view)["--beam"] == "7.0"
    assert (view / "am").resolve() == (KOREAN_MODEL / "am").resolve()
    assert (view / "conf" / "mfcc.conf").resolve() == (
        KOREAN_MODEL / "conf" / "mfcc.conf"
    ).resolve()
    # The downloaded model is untouched (its checksum must keep holding).
    assert (KOREAN_MODEL / "conf" / "model.conf").read_text(encoding="utf-8") == before
    # Built once: the same view again, and another tuning gets another view.
    assert searched_model(KOREAN_MODEL, TIGHT, tmp_path) == view
    other = searched_model(KOREAN_MODEL, VoskSearch(beam=9.0), tmp_path)
    assert other != view and _conf(other)["--max-active"] == "3000"


def test_concurrent_builders_agree_on_one_view(tmp_path: Path) -> None:
    views: list[Path] = []
    barrier = threading.Barrier(6)

    def build() -> None:
        barrier.wait()
        views.append(searched_model(KOREAN_MODEL, TIGHT, tmp_path))

    threads = [threading.Thread(target=build) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(views)) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".building")] == []


def test_vosk_loads_the_view_and_decodes(tmp_path: Path, spoken: list[bytes]) -> None:
    model = vosk.Model(str(searched_model(KOREAN_MODEL, TIGHT, tmp_path)))
    recognizer = vosk.KaldiRecognizer(model, 8000)
    recognizer.AcceptWaveform(spoken[0])
    assert json.loads(recognizer.FinalResult())["text"].strip()


def test_settings_choose_the_search_and_reject_nonsense(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, vosk_max_active=1000, vosk_beam=8.0)
    assert vosk_search(settings) == VoskSearch(max_active=1000, beam=8.0)
    assert vosk_search(Settings(_env_file=None)).is_default
    with pytest.raises(ValidationError, match="vosk_beam"):
        Settings(_env_file=None, vosk_beam=0.5)
