"""The Vosk model a process loads once, and the rate its recognizers are fed."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import vosk

from telephony.codec import SAMPLE_RATE

_MODELS: dict[Path, vosk.Model] = {}
_MODELS_LOCK = threading.Lock()


def shared_model(path: Path) -> vosk.Model:
    """The process's one `vosk.Model` for ``path``, loaded on first use (thread-safe).

    Args:
        path: The model folder (with ``am/``, ``conf/``, ``graph/``).
    """
    key = path.resolve()
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            vosk.SetLogLevel(-1)
            model = vosk.Model(str(key))
            _MODELS[key] = model
        return model


def model_input_rate(path: Path) -> int:
    """The rate to feed the model: 8 kHz when its features allow upsampling, else its own.

    Args:
        path: The model folder; ``conf/mfcc.conf`` holds the feature options.
    """
    try:
        conf = (path / "conf" / "mfcc.conf").read_text(encoding="utf-8")
    except OSError:
        return 16000
    match = re.search(r"--sample-frequency=(\d+)", conf)
    model_rate = int(match.group(1)) if match else 16000  # Kaldi's default
    if model_rate == SAMPLE_RATE or re.search(r"--allow-upsample=true", conf):
        return SAMPLE_RATE
    return model_rate
