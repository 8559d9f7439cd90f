"""The data key: created owner-only on first use, refused when others can read it or when it is
not a key, each time with a message naming the file or variable; `doctor` reports it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from core import DataKeyError, data_cipher, data_key_path, ensure_data_key, get_settings
from standardiste.cli import app
from tests.support import make_settings


def test_the_key_file_is_created_owner_only_and_checked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    path = ensure_data_key(settings)
    assert path == data_key_path(settings) and path.stat().st_mode & 0o777 == 0o600
    token = data_cipher(settings).encrypt(b"x")
    assert data_cipher(settings).decrypt(token) == b"x"
    path.chmod(0o644)
    with pytest.raises(DataKeyError, match=rf"{path}: readable by others; chmod 600"):
        data_cipher(settings)
    path.chmod(0o600)
    path.write_text("not-a-key\n")
    with pytest.raises(DataKeyError, match=rf"{path}: a data key is not a Fernet key"):
        data_cipher(settings)
    bad_env = make_settings(tmp_path, standardiste_data_key="short")
    with pytest.raises(DataKeyError, match="STANDARDISTE_DATA_KEY: a data key is not"):
        data_cipher(bad_env)


def test_doctor_reports_the_data_key(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}",
           "STANDARDISTE_VAR_DIR": str(tmp_path / "var"), "RASA_URL": "http://127.0.0.1:9"}
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["doctor"], env=env)
        assert f"[  OK] data key: {tmp_path / 'var' / 'data.key'} (1 key(s))" in ok.output
        (tmp_path / "var" / "data.key").chmod(0o640)
        get_settings.cache_clear()
        bad = CliRunner().invoke(app, ["doctor"], env=env)
        assert "[FAIL] data key:" in bad.output and "chmod 600" in bad.output
    finally:
        get_settings.cache_clear()
