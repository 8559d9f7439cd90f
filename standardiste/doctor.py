"""`standardiste doctor`: every dependency of a working assistant, checked, with what to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import typer

import dialogue
from core import Settings


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False


def _config(settings: Settings) -> Check:
    from core import ConfigError, load_practice

    try:
        config = load_practice(settings.standardiste_config)
    except ConfigError as exc:
        return Check("configuration", False, str(exc), "fix the field named above")
    return Check("configuration", True, f"{settings.standardiste_config} ({config.practice.name})")


def _database(settings: Settings) -> Check:
    from sqlalchemy import inspect

    from core import Database

    try:
        db = Database(settings.database_url)
        db.ping()
        tables = set(inspect(db.engine).get_table_names())
        db.dispose()
    except Exception as exc:
        return Check(
            "database",
            False,
            f"{type(exc).__name__}: {exc}".splitlines()[0],
            "check DATABASE_URL and that the server is running",
        )
    if "alembic_version" not in tables:
        return Check("database", False, "not migrated", "run `standardiste db upgrade`")
    return Check("database", True, settings.database_url.split("@")[-1])


def _models(settings: Settings) -> Check:
    from telephony import ModelMissingError, resolve_speech_models

    try:
        models = resolve_speech_models(settings)
    except ModelMissingError as exc:
        return Check("speech models", False, str(exc), "run `standardiste models download`")
    if models.all_french:
        return Check("speech models", True, f"{models.vosk_model.name}, {models.piper_voice.name}")
    return Check(
        "speech models",
        True,
        "French models absent: using packaged stand-ins (Korean Vosk, en_US Piper voice); "
        "callers will not be understood",
        "run `standardiste models download` on a machine with internet access",
        warning=True,
    )


def _rasa(settings: Settings) -> Check:
    try:
        reply = httpx.get(
            f"{settings.rasa_base}/status",
            params={"token": dialogue.rasa_auth_token(settings)},
            timeout=3.0,
        )
    except httpx.HTTPError as exc:
        return Check(
            "rasa",
            False,
            f"{settings.rasa_base}: {type(exc).__name__}",
            "start it with `make run` (or check RASA_URL)",
        )
    if reply.status_code != 200:
        return Check("rasa", False, f"HTTP {reply.status_code}", "see the Rasa server's log")
    return Check("rasa", True, f"{settings.rasa_base} model {reply.json().get('model_file')}")


def _twilio(settings: Settings) -> Check:
    token = settings.twilio_auth_token
    if token is None or not token.get_secret_value():
        return Check(
            "twilio auth token",
            False,
            "TWILIO_AUTH_TOKEN is not set",
            "copy it from the Twilio console into .env; every webhook is refused until then",
        )
    if len(token.get_secret_value()) != 32:
        return Check(
            "twilio auth token",
            False,
            "TWILIO_AUTH_TOKEN is not 32 characters long",
            "copy the auth token (not the account SID) from the Twilio console",
        )
    return Check("twilio auth token", True, "set")


def _public_url(settings: Settings) -> Check:
    if settings.public_base is None:
        return Check(
            "public URL",
            False,
            "PUBLIC_BASE_URL is not set",
            "set it to the https address Twilio calls (tunnel or reverse proxy)",
        )
    return Check("public URL", True, f"{settings.public_base}/twilio/voice is the webhook")


def _data_key(settings: Settings) -> Check:
    from core import DataKeyError, data_cipher, data_key_source, data_keys

    try:
        data_cipher(settings)
        count = len(data_keys(settings))
    except DataKeyError as exc:
        return Check("data key", False, str(exc), "see docs/deployment.md, encryption at rest")
    return Check(
        "data key", True,
        f"{data_key_source(settings)} ({count} key(s)); keep a copy away from the backups",
    )


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    _config,
    _database,
    _data_key,
    _models,
    _rasa,
    _twilio,
    _public_url,
)


def run_checks(settings: Settings) -> bool:
    """Print each check; return True when nothing failed (warnings allowed)."""
    all_ok = True
    for check_fn in CHECKS:
        check = check_fn(settings)
        mark, colour = (
            ("WARN", "yellow")
            if check.warning
            else (("OK", "green") if check.ok else ("FAIL", "red"))
        )
        typer.secho(f"[{mark:>4}] {check.name}: {check.detail}", fg=colour)
        if check.fix and (check.warning or not check.ok):
            typer.echo(f"       → {check.fix}")
        all_ok = all_ok and check.ok
    return all_ok
