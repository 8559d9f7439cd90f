"""`standardiste user disable|enable|role|reset-password`: managing accounts from a shell.

Each act is written to the administrative audit log, the actor being the system account that
ran the command (``cli:<name>``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from core import get_settings


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(f"not changed: {exc}", fg="red", err=True)
    return typer.Exit(1)


def register(user_app: typer.Typer) -> None:
    """Add the account-management commands to ``standardiste user``."""

    @user_app.command("disable")
    def user_disable(username: Annotated[str, typer.Argument()]) -> None:
        """Disable an account: it can no longer log in, and its sessions end now."""
        import staff

        try:
            staff.enable_user(get_settings(), username=username, active=False,
                              actor=staff.cli_actor())
        except staff.AccountError as exc:
            raise _fail(exc) from None
        typer.echo(f"account {username} disabled")

    @user_app.command("enable")
    def user_enable(username: Annotated[str, typer.Argument()]) -> None:
        """Re-enable a disabled account."""
        import staff

        try:
            staff.enable_user(get_settings(), username=username, active=True,
                              actor=staff.cli_actor())
        except staff.AccountError as exc:
            raise _fail(exc) from None
        typer.echo(f"account {username} enabled")

    @user_app.command("role")
    def user_role(
        username: Annotated[str, typer.Argument()],
        role: Annotated[str, typer.Argument(help="secretary, practitioner or admin.")],
    ) -> None:
        """Change an account's role."""
        import staff

        try:
            chosen = staff.Role(role)
        except ValueError:
            typer.secho("role: one of secretary, practitioner, admin", fg="red", err=True)
            raise typer.Exit(2) from None
        try:
            staff.change_role(get_settings(), username=username, role=chosen,
                              actor=staff.cli_actor())
        except staff.AccountError as exc:
            raise _fail(exc) from None
        typer.echo(f"account {username} is now {chosen.value}")

    @user_app.command("reset-password")
    def user_reset_password(username: Annotated[str, typer.Argument()]) -> None:
        """Give an account a temporary password (printed once) and end its sessions."""
        import staff

        try:
            _, password = staff.reset_password(get_settings(), username=username,
                                               actor=staff.cli_actor())
        except staff.AccountError as exc:
            raise _fail(exc) from None
        typer.echo(f"temporary password of {username}: {password}")
        typer.echo("hand it over in person; they should change it (standardiste user password)")
