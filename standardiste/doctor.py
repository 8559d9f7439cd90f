"""`standardiste doctor`: every dependency of a working assistant, checked, with what to do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import typer

from core import Settings, mask_phone

if TYPE_CHECKING:
    from twilio.http import HttpClient


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
    """Every replica, as `/healthz` sees them (`health.rasa_replicas`)."""
    from standardiste.health import rasa_replicas

    async def _ask() -> list[dict[str, Any]]:
        async with httpx.AsyncClient() as http:
            return await rasa_replicas(http, settings)

    replicas = list(zip(settings.rasa_bases, asyncio.run(_ask()), strict=True))
    detail = ", ".join(
        f"{base} model {state.get('model')}" if state["ok"] else f"{base}: {state.get('error')}"
        for base, state in replicas
    )
    if all(state["ok"] for _, state in replicas):
        return Check("rasa", True, detail)
    return Check(
        "rasa",
        False,
        detail,
        "start it with `make run` (or check RASA_URL / RASA_URLS); see the Rasa server's log",
    )


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


def _texts(settings: Settings) -> Check:
    if settings.sms_configured:
        sender = settings.twilio_messaging_service_sid or settings.twilio_messaging_from
        return Check("texts (SMS)", True, f"Twilio Messaging from {sender}")
    return Check(
        "texts (SMS)",
        True,
        "Twilio Messaging is not configured: no confirmations or reminders can be sent",
        "set TWILIO_ACCOUNT_SID and TWILIO_MESSAGING_FROM (or TWILIO_MESSAGING_SERVICE_SID) in "
        ".env, then turn texts on in the settings page (README « SMS to patients »)",
        warning=True,
    )
def _fallback_url(settings: Settings, http_client: HttpClient | None = None) -> Check:
    """Twilio's Fallback URL on the practice's number: what callers get when the gateway fails.

    Read through Twilio's REST API when the account SID is configured; else said uncheckable.
    """
    name = "twilio fallback URL"
    fix = (
        "in the Twilio console, set the number's Fallback URL (Voice) to a TwiML Bin made from "
        "`standardiste fallback-twiml` (docs/deployment.md)"
    )
    token = settings.twilio_auth_token
    if settings.twilio_account_sid is None or token is None:
        return Check(
            name, True, "cannot check without TWILIO_ACCOUNT_SID (and the auth token)",
            f"set TWILIO_ACCOUNT_SID to let doctor check, or {fix}", warning=True,
        )
    from twilio.base.exceptions import TwilioException
    from twilio.rest import Client

    client = Client(settings.twilio_account_sid, token.get_secret_value(), http_client=http_client)
    try:
        numbers = client.incoming_phone_numbers.list(
            phone_number=settings.twilio_phone_number, limit=50
        )
    except (TwilioException, OSError) as exc:
        return Check(name, True, f"cannot check: {type(exc).__name__}", fix, warning=True)
    webhook = f"{settings.public_base}/twilio/voice" if settings.public_base else None
    ours = [n for n in numbers if webhook is None or (n.voice_url or "").rstrip("/") == webhook]
    if not ours:
        where = settings.twilio_phone_number or "this account"
        return Check(
            name, False, f"no number of {where} sends its calls to {webhook or 'the gateway'}",
            "set the number's Voice URL to PUBLIC_BASE_URL/twilio/voice",
        )
    missing = [n.phone_number for n in ours if not (n.voice_fallback_url or "").strip()]
    if missing:
        shown = ", ".join(mask_phone(str(number)) for number in missing)
        return Check(name, False, f"no Fallback URL on {shown}", fix)
    return Check(name, True, f"set on {len(ours)} number(s)")


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
    _texts,
    _fallback_url,
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
