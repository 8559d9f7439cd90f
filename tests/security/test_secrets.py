"""Secrets come from the environment only, and nothing the gateway shows or writes repeats them.

The practice file cannot hold them (its schema forbids unknown fields), ``config export`` does
not write them, ``/healthz``, error pages and the schema do not show them, ``.env.example`` has
no real-looking value for them, and the settings' ``repr`` masks them (pydantic ``SecretStr``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from core import PROJECT_ROOT, AppContext, ConfigError, Settings, get_settings, parse_practice
from standardiste.app import create_app
from standardiste.cli import app as cli
from tests.support import API_TOKEN, AUTH_TOKEN, PUBLIC_BASE

SECRET_KEY = "clé-secrète-de-test-0123456789abcdef"
SECRET_SETTINGS = (
    "twilio_auth_token", "twilio_api_key_secret", "standardiste_api_token",
    "standardiste_secret_key",
    "twilio_auth_token",
    "standardiste_api_token",
    "standardiste_secret_key",
    "standardiste_data_key",
)
SECRETS = (AUTH_TOKEN, API_TOKEN, SECRET_KEY)
SAMPLE = yaml.safe_load((PROJECT_ROOT / "config" / "practice.yaml").read_text(encoding="utf-8"))
PLACEHOLDER_PASSWORDS = {"secret", "password", "motdepasse", "change-me", "changeme"}


def _with_key(settings: Settings) -> Settings:
    """The same settings with a secret key set, validated like the environment's."""
    values = {**settings.model_dump(), "standardiste_secret_key": SECRET_KEY}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def with_secret_key(context: AppContext) -> AppContext:
    context.settings = _with_key(context.settings)
    return context


def _assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret in {where}"


@pytest.mark.parametrize("name", [*SECRET_SETTINGS, "database_url"])
def test_the_practice_file_cannot_hold_secrets(name: str) -> None:
    for data in ({**SAMPLE, name: "x"}, {**SAMPLE, "practice": {**SAMPLE["practice"], name: "x"}}):
        with pytest.raises(ConfigError) as refused:
            parse_practice(data, "practice.yaml")
        assert f"{name}: unknown field" in str(refused.value)


def test_config_export_writes_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'export.db'}",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "STANDARDISTE_API_TOKEN": API_TOKEN,
        "STANDARDISTE_SECRET_KEY": SECRET_KEY,
        "PUBLIC_BASE_URL": PUBLIC_BASE,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        result = runner.invoke(cli, ["config", "export"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "practitioners:" in result.output
    _assert_no_secret(result.output, "config export")
    exported = yaml.safe_load(result.output)
    assert not set(SECRET_SETTINGS) & set(exported)


def test_pages_and_errors_show_no_secret(with_secret_key: AppContext) -> None:
    client = TestClient(
        create_app(context=with_secret_key), base_url=PUBLIC_BASE, raise_server_exceptions=False
    )
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    replies = [
        client.get("/healthz"),
        client.get("/login"),
        client.get("/no-such-page"),
        client.get("/agenda/appointments/abc", headers=bearer),
        client.post("/agenda/appointments", headers=bearer, content=b"{not json"),
        client.post("/twilio/voice", data={"CallSid": "CA1"}),
        client.get("/openapi.json", headers=bearer),
        client.get("/metrics", headers=bearer),
        client.post("/api/chat", headers=bearer, json={}),  # Rasa is down: the error path
    ]
    for reply in replies:
        where = f"{reply.request.method} {reply.request.url.path}"
        _assert_no_secret(reply.text, where)
        _assert_no_secret(str(reply.headers), where)


def test_the_settings_repr_masks_secrets(context: AppContext) -> None:
    settings = _with_key(context.settings)
    assert settings.standardiste_secret_key is not None
    assert settings.standardiste_secret_key.get_secret_value() == SECRET_KEY
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        _assert_no_secret(text, "the settings' repr")
    for name in SECRET_SETTINGS:
        assert Settings.model_fields[name].annotation is not str, name


def test_env_example_has_no_real_looking_secret() -> None:
    lines = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    assignments = {}
    for line in lines:
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            assignments.setdefault(match.group(1), []).append(match.group(2).strip())
    for name in SECRET_SETTINGS:
        assert assignments.get(name.upper()) == [""], name
    for value in assignments.get("DATABASE_URL", []):
        password = re.match(r"^[a-z+]+://[^:/@]*:([^@]*)@", value)
        assert password is None or password.group(1) in PLACEHOLDER_PASSWORDS, value


def test_env_example_sets_each_setting_once() -> None:
    # In a .env file the last line wins: a second, empty copy of a setting silently undoes the
    # value a user filled in above it.
    lines = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    names = [m.group(1) for line in lines if (m := re.match(r"^([A-Z][A-Z0-9_]*)=", line))]
    assert sorted({n for n in names if names.count(n) > 1}) == []
