"""The `standardiste` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from standardiste.practice import ConfigError
from standardiste.practice_store import NotMigratedError
from standardiste.settings import Settings, get_settings

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


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Start the gateway (FastAPI under uvicorn)."""
    from standardiste.server import run_gateway

    settings = _settings()
    try:
        run_gateway(settings, host=host, port=port)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    except NotMigratedError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None


@app.command()
def run(
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Start the Rasa server and the gateway together; Ctrl-C stops both."""
    from standardiste.server import run_all

    settings = _settings()
    try:
        code = run_all(settings, host=host, port=port)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    except NotMigratedError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
    sys.exit(code)


@app.command("check-config")
def check_config(
    path: Annotated[Path | None, typer.Argument(help="Defaults to STANDARDISTE_CONFIG.")] = None,
) -> None:
    """Validate a practice configuration file."""
    from standardiste.practice import load_practice

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

    try:
        context = build_context(_settings())
    except ConfigError as exc:
        raise _fail_config(exc) from None
    except NotMigratedError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
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


def main() -> None:
    """Entry point for ``python -m standardiste``."""
    app()
