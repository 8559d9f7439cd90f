"""`standardiste backup|restore` and `standardiste keys new|rotate`: the data's safety."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core import DataKeyError, get_settings

keys_app = typer.Typer(no_args_is_help=True, help="The data key (encryption at rest).")


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``keys`` to the command line."""
    app.add_typer(keys_app, name="keys")

    @app.command("backup")
    def backup_command(
        out: Annotated[Path, typer.Argument(help="The backup file to write (encrypted).")],
    ) -> None:
        """Back up the database, recordings and spool into one encrypted file (live)."""
        from standardiste.backup import BackupError, backup

        try:
            report = backup(get_settings(), out)
        except (BackupError, DataKeyError) as exc:
            typer.secho(f"backup failed: {exc}", fg="red", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"backup written: {report.path} ({report.database}, {report.files} file(s), "
                   f"{report.bytes} bytes)")

    @app.command("restore")
    def restore_command(
        archive: Annotated[Path, typer.Argument(help="A file written by `standardiste backup`.")],
        force: Annotated[
            bool, typer.Option("--force", help="Restore over a database that has data.")
        ] = False,
    ) -> None:
        """Restore a backup into this instance (stop the gateway first)."""
        from standardiste.backup import BackupError, restore

        try:
            report = restore(get_settings(), archive, force=force)
        except (BackupError, DataKeyError) as exc:
            typer.secho(f"restore failed: {exc}", fg="red", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"restored: {report.database} database, {report.files} file(s)")


@keys_app.command("new")
def keys_new() -> None:
    """Print a fresh data key (to put first in STANDARDISTE_DATA_KEY or var/data.key)."""
    from core import new_data_key

    typer.echo(new_data_key())


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt everything stored under the first data key (after adding a new one first)."""
    from standardiste.key_rotation import rotate

    try:
        counts = rotate(get_settings())
    except DataKeyError as exc:
        typer.secho(f"rotation failed: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo("re-encrypted: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
