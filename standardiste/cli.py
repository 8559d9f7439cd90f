"""The `standardiste` command line."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from core import ConfigError, NotMigratedError, Settings, get_settings
from standardiste.account_cli import register as register_account_commands
from standardiste.data_cli import register as register_data_commands
from standardiste.patient_cli import patient_app

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Standardiste: the practice's phone assistant."
)
db_app = typer.Typer(no_args_is_help=True, help="Database migrations.")
models_app = typer.Typer(no_args_is_help=True, help="Speech models.")
config_app = typer.Typer(no_args_is_help=True, help="Practice settings.")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
HostOption = Annotated[
    str | None, typer.Option(help="Address to listen on (STANDARDISTE_HOST).")
]
PortOption = Annotated[int | None, typer.Option(help="Port to listen on (STANDARDISTE_PORT).")]
app.add_typer(models_app, name="models")
app.add_typer(patient_app, name="patient")
register_data_commands(app)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            reason = str(err["msg"]).removeprefix("Value error, ")
            typer.secho(f"environment / .env: {name}: {reason}", fg="red", err=True)
        raise typer.Exit(2) from None


def _fail_config(exc: ConfigError) -> typer.Exit:
    for line in str(exc).splitlines():
        typer.secho(line, fg="red", err=True)
    return typer.Exit(2)


@contextlib.contextmanager
def _setup_checked() -> Iterator[None]:
    """Bad practice settings or a database not migrated end the command, saying why."""
    try:
        yield
    except ConfigError as exc:
        raise _fail_config(exc) from None
    except NotMigratedError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Start the gateway (FastAPI under uvicorn)."""
    from standardiste.server import run_gateway

    settings = _settings()
    with _setup_checked():
        run_gateway(settings, host=host, port=port)


@app.command()
def run(
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Start the Rasa server and the gateway, restarting either if it dies; Ctrl-C stops both."""
    from standardiste.server import run_all

    settings = _settings()
    with _setup_checked():
        code = run_all(settings, host=host, port=port)
    sys.exit(code)


@app.command("check-config")
def check_config(
    path: Annotated[Path | None, typer.Argument(help="Defaults to STANDARDISTE_CONFIG.")] = None,
) -> None:
    """Validate a practice configuration file."""
    from core import load_practice

    target = path or _settings().standardiste_config
    try:
        config = load_practice(target)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    typer.echo(
        f"{target}: OK ({config.practice.name}, {len(config.practitioners)} practitioner(s))"
    )


@config_app.command("export")
def config_export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Write the current settings (the database's) as a practice YAML file."""
    from standardiste.app import build_context

    with _setup_checked():
        context = build_context(_settings())
    text = context.practice_store.export_yaml()
    context.db.dispose()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"settings written to {output}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database to the latest schema."""
    from standardiste.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def doctor() -> None:
    """Check config, database, models, Rasa, Twilio token and public URL; say what to do."""
    from standardiste.doctor import run_checks

    ok = run_checks(_settings())
    raise typer.Exit(0 if ok else 1)


@app.command("fallback-twiml")
def fallback_twiml() -> None:
    """Print the TwiML for the number's Fallback URL (a TwiML Bin): an apology in French, the
    practice's line, the emergency numbers; from the current settings."""
    from standardiste.app import build_context
    from telephony import fallback_twiml as document
    from transcripts import DATABASE_UNREACHABLE

    settings = _settings()
    with _setup_checked():
        context = build_context(settings)
    try:
        practice = context.practice
    except DATABASE_UNREACHABLE:  # the settings last read do as well
        practice = context.practice_store.cached
    finally:
        context.db.dispose()
    typer.echo(document(practice, timeout_s=settings.transfer_ring_timeout_s))


@models_app.command("download")
def models_download(
    dest: Annotated[
        Path | None, typer.Option(help="Folder to download into (default: models/).")
    ] = None,
) -> None:
    """Download the French Vosk model and French Piper voice, with a sha256 check."""
    from standardiste.model_download import DownloadError, download_french_models

    settings = _settings()
    try:
        download_french_models(settings, dest)
    except DownloadError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


@app.command()
def chat(
    caller: Annotated[
        str | None, typer.Option(help="Pretend to call from this number (+33…).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Pretend the call happens at this ISO moment.")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="The gateway (default: STANDARDISTE_HOST/PORT).")
    ] = None,
) -> None:
    """Talk to the running assistant in the terminal (empty line: silence; #digits: keypad)."""
    from dialogue import ChatError, run_chat

    settings = _settings()
    base = url or f"http://{settings.standardiste_host}:{settings.standardiste_port}"
    token = settings.standardiste_api_token
    try:
        run_chat(
            base,
            token.get_secret_value() if token else None,
            caller=caller,
            at=at,
            read=lambda: input("vous > "),
            write=typer.echo,
        )
    except ChatError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


@app.command()
def call(
    say: Annotated[
        list[str] | None,
        typer.Option(help="A caller turn, synthesised on the spot ('dtmf:12#' keys it in)."),
    ] = None,
    wav: Annotated[list[Path] | None, typer.Option(help="A caller turn from a WAV file.")] = None,
    dtmf: Annotated[list[str] | None, typer.Option(help="Keys pressed, after the turns.")] = None,
    url: Annotated[
        str | None, typer.Option(help="The gateway (default: STANDARDISTE_HOST/PORT).")
    ] = None,
    speed: Annotated[float, typer.Option(help="Caller audio faster than real time.")] = 1.0,
    end: Annotated[str, typer.Option(help="stop (hang up), drop (lost line) or wait.")] = "stop",
    out: Annotated[Path, typer.Option(help="WAV file of what the assistant said.")] = Path(
        "assistant.wav"
    ),
) -> None:
    """Play Twilio against a running gateway: a signed webhook, then the media stream."""
    from standardiste.simulator import SimulatorError, caller_turns, report, run_simulator

    settings = _settings()
    try:
        turns = caller_turns(settings, says=say or [], wavs=wav or [], digits=dtmf or [])
        result = run_simulator(settings, turns, gateway=url, speed=speed, end=end, out=out)
    except (SimulatorError, ValueError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(report(result))
    typer.echo(f"assistant audio: {out}")


user_app = typer.Typer(no_args_is_help=True, help="Staff accounts for the web pages.")
app.add_typer(user_app, name="user")
register_account_commands(user_app)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    role: Annotated[str, typer.Option(help="secretary, practitioner or admin.")] = "secretary",
    name: Annotated[str | None, typer.Option(help="Name shown in the pages.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account (the password is asked for, or read with --password-stdin)."""
    import staff

    settings = _settings()
    try:
        chosen = staff.Role(role)
    except ValueError:
        typer.secho("--role: one of secretary, practitioner, admin", fg="red", err=True)
        raise typer.Exit(2) from None
    try:
        user = staff.create_user(
            settings, username=username, password=_read_password(password_stdin), role=chosen,
            display_name=name,
        )
    except (staff.AccountError, staff.WeakPasswordError, staff.NotMigratedError) as exc:
        typer.secho(f"not created: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"account {user.username} created ({user.role.value})")


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password for an account and log it out everywhere."""
    import staff

    try:
        staff.change_password(
            _settings(), username=username, password=_read_password(password_stdin)
        )
    except (staff.AccountError, staff.WeakPasswordError) as exc:
        typer.secho(f"not changed: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"password of {username} changed")


@user_app.command("list")
def user_list() -> None:
    """List the staff accounts (disabled ones marked so)."""
    import staff

    for user in staff.users(_settings(), active_only=False):
        state = "" if user.active else "\tdisabled"
        typer.echo(f"{user.username}\t{user.role.value}\t{user.display_name}{state}")


@app.command()
def purge() -> None:
    """Delete transcripts, recordings, inbox messages and texts past their retention periods."""
    from notifications import purge_texts
    from standardiste.app import build_context
    from transcripts import purge_expired

    with _setup_checked():
        context = build_context(_settings())
    try:
        report = purge_expired(context)
        with context.db.session() as session:
            texts = purge_texts(session, context.practice.retention)
    finally:
        context.db.dispose()
    if report.skipped:
        typer.echo("skipped: another instance is purging")
        return
    typer.echo(
        f"purged: {report.calls} call(s), {report.turns} turn(s), {report.messages} message(s), "
        f"{report.recordings} recording(s), {texts} text(s), {report.tracker_events} tracker "
        f"event(s), {report.spool_records} spooled record(s), quoted words of "
        f"{report.quoted_words} message(s)"
    )


def main() -> None:
    """Entry point for ``python -m standardiste``."""
    app()
