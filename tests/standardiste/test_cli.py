"""The command line: doctor, the model download's offline error, db upgrade."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from standardiste.cli import app
from standardiste.model_download import DownloadError, ModelFile, fetch
from tests.support import AUTH_TOKEN, PUBLIC_BASE

runner = CliRunner()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RASA_URL": "http://127.0.0.1:9",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "VOSK_MODEL_PATH": str(tmp_path / "models" / "vosk-model-small-fr-0.22"),
        "PIPER_VOICE_PATH": str(tmp_path / "models" / "fr_FR-siwis-medium.onnx"),
    }
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def _fresh_settings():
    from core import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_db_upgrade_then_doctor_reports_each_check(tmp_path: Path) -> None:
    env = _env(tmp_path)
    # At their default locations, absent models fall back to the packaged stand-ins (a path set
    # elsewhere must exist: tests/faults/test_model_files.py).
    del env["VOSK_MODEL_PATH"], env["PIPER_VOICE_PATH"]
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["doctor"], env=env)
    out = result.output
    assert "[  OK] configuration" in out
    assert "[  OK] database" in out
    assert "[WARN] speech models: French models absent" in out  # packaged stand-ins
    assert "[FAIL] rasa" in out and "make run" in out
    assert "[  OK] twilio auth token" in out
    assert result.exit_code == 1  # Rasa is down


def test_doctor_says_what_to_do_without_twilio_settings(tmp_path: Path) -> None:
    env = _env(tmp_path, TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="")
    result = runner.invoke(app, ["doctor"], env=env)
    assert "[FAIL] database: not migrated" in result.output
    assert "→ run `standardiste db upgrade`" in result.output
    assert "[FAIL] twilio auth token: TWILIO_AUTH_TOKEN is not set" in result.output
    assert "[FAIL] public URL: PUBLIC_BASE_URL is not set" in result.output
    assert "[WARN] texts (SMS): Twilio Messaging is not configured" in result.output
    assert "→ set TWILIO_ACCOUNT_SID and TWILIO_MESSAGING_FROM" in result.output


def test_doctor_flags_a_corrupt_french_model(tmp_path: Path) -> None:
    (tmp_path / "models" / "vosk-model-small-fr-0.22").mkdir(parents=True)
    result = runner.invoke(app, ["doctor"], env=_env(tmp_path))
    assert "[FAIL] speech models" in result.output
    assert "am/final.mdl is missing" in result.output


def test_download_without_network_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["models", "download", "--dest", str(tmp_path)],
        env=_env(tmp_path, HTTPS_PROXY="http://127.0.0.1:9"),
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any(line.startswith("cannot reach ") for line in lines), result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.part"))


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("vosk-test/am/final.mdl", b"model")
        zf.writestr("vosk-test/conf/model.conf", b"--beam=10")
    return buffer.getvalue()


def _client(body: bytes) -> httpx.Client:
    return httpx.Client(
        transport=httpx.MockTransport(
            lambda request: httpx.Response(
                200, content=body, headers={"content-length": str(len(body))}
            )
        )
    )


def test_fetch_checks_sha256_and_unpacks(tmp_path: Path) -> None:
    body = _archive()
    item = ModelFile(
        url="https://models.example/vosk-test.zip",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        target="vosk-test",
        unzip=True,
    )
    path = fetch(item, tmp_path, client=_client(body), progress=False)
    assert (path / "am" / "final.mdl").read_bytes() == b"model"
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".unpack-*"))


def test_fetch_discards_a_corrupt_download(tmp_path: Path) -> None:
    body = _archive()
    item = ModelFile(
        url="https://models.example/vosk-test.zip",
        sha256="0" * 64,
        size=len(body),
        target="vosk-test",
        unzip=True,
    )
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch(item, tmp_path, client=_client(body), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_fetch_checks_md5_where_only_md5_is_published(tmp_path: Path) -> None:
    body = b"voice config"
    good = ModelFile(url="https://models.example/v.json", sha256=None,
                     md5=hashlib.md5(body).hexdigest(), size=len(body), target="v.json")
    assert fetch(good, tmp_path, client=_client(body), progress=False).read_bytes() == body
    bad = ModelFile(url="https://models.example/w.json", sha256=None, md5="0" * 32,
                    size=len(body), target="w.json")
    with pytest.raises(DownloadError, match="md5"):
        fetch(bad, tmp_path, client=_client(body), progress=False)
    assert not (tmp_path / "w.json").exists()


def test_every_french_model_has_a_pinned_checksum() -> None:
    from standardiste.model_download import FRENCH_MODELS

    for item in FRENCH_MODELS:
        assert item.url.startswith("https://")
        assert item.sha256 or item.md5
        assert item.size > 0


def test_config_export_writes_the_database_settings(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    out = tmp_path / "export.yaml"
    result = runner.invoke(app, ["config", "export", "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    from core import load_practice

    assert load_practice(out).practice.name == "Cabinet médical des Tilleuls"


def test_serve_on_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "standardiste db upgrade" in result.output
