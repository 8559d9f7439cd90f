"""`standardiste user disable|enable|role|reset-password`: managing accounts from a shell.

Each act is written to the administrative audit log, the actor being the system account that
ran the command (``cli:<name>``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from core import get_settings

_Done = TypeVar("_Done")


def _change(change: Callable[..., _Done], **arguments: Any) -> _Done:
    """One audited change of an account; a refusal ends the command with its reason."""
    import staff

    try:
        return change(get_settings(), actor=staff.cli_actor(), **arguments)
    except staff.AccountError as exc:
        typer.secho(f"not changed: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None


def register(user_app: typer.Typer) -> None:
    """Add the account-management commands to ``standardiste user``."""

    @user_app.command("disable")
    def user_disable(username: Annotated[str, typer.Argument()]) -> None:
        """Disable an account: it can no longer log in, and its sessions end now."""
        import staff

        _change(staff.enable_user, username=username, active=False)
        typer.echo(f"account {username} disabled")

    @user_app.command("enable")
    def user_enable(username: Annotated[str, typer.Argument()]) -> None:
        """Re-enable a disabled account."""
        import staff

        _change(staff.enable_user, username=username, active=True)
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
        _change(staff.change_role, username=username, role=chosen)
        typer.echo(f"account {username} is now {chosen.value}")

    @user_app.command("reset-password")
    def user_reset_password(username: Annotated[str, typer.Argument()]) -> None:
        """Give an account a temporary password (printed once) and end its sessions."""
        import staff

        _, password = _change(staff.reset_password, username=username)
        typer.echo(f"temporary password of {username}: {password}")
        typer.echo("hand it over in person; they should change it (standardiste user password)")
