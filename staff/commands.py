"""What `standardiste user …` does, apart from prompting (the shell's CLI prompts and prints)."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import OperationalError, ProgrammingError

from core import Database, Settings
from staff import audit
from staff.accounts import (
    StaffUser,
    add_account,
    list_accounts,
    set_active,
    set_password,
    set_role,
)
from staff.models import Role


class NotMigratedError(RuntimeError):
    """The staff tables are missing: `standardiste db upgrade` was not run."""


def _database(settings: Settings) -> Database:
    return Database(settings.database_url)


def create_user(
    settings: Settings, *, username: str, password: str, role: Role, display_name: str | None
) -> StaffUser:
    """Create a staff account (see `add_account` for the errors)."""
    db = _database(settings)
    try:
        with db.session() as session:
            return add_account(
                session, username=username, password=password, role=role,
                display_name=display_name,
            )
    except (OperationalError, ProgrammingError) as exc:
        raise NotMigratedError("run `standardiste db upgrade` first") from exc
    finally:
        db.dispose()


def change_password(settings: Settings, *, username: str, password: str) -> StaffUser:
    """Set a new password and close the account's sessions."""
    db = _database(settings)
    try:
        with db.session() as session:
            return set_password(session, username, password)
    finally:
        db.dispose()


def users(settings: Settings, *, active_only: bool = True) -> list[StaffUser]:
    """Every (active) account."""
    db = _database(settings)
    try:
        with db.session() as session:
            return list_accounts(session, active_only=active_only)
    finally:
        db.dispose()


def temporary_password() -> str:
    """A random password to hand over once (16 characters from a 64-letter alphabet)."""
    return secrets.token_urlsafe(12)


def enable_user(settings: Settings, *, username: str, active: bool, actor: str) -> StaffUser:
    """Disable (closing its sessions) or re-enable an account, audited."""
    db = _database(settings)
    try:
        with db.session() as session:
            user = set_active(session, username, active)
            action = "account.enable" if active else "account.disable"
            audit.record(session, actor=actor, action=action, target=user.username)
            return user
    finally:
        db.dispose()


def change_role(settings: Settings, *, username: str, role: Role, actor: str) -> StaffUser:
    """Give an account another role, audited."""
    db = _database(settings)
    try:
        with db.session() as session:
            user = set_role(session, username, role)
            audit.record(session, actor=actor, action="account.role", target=user.username,
                         detail={"role": role.value})
            return user
    finally:
        db.dispose()


def reset_password(settings: Settings, *, username: str, actor: str) -> tuple[StaffUser, str]:
    """Replace a forgotten password by a temporary one (returned once), audited."""
    password = temporary_password()
    db = _database(settings)
    try:
        with db.session() as session:
            user = set_password(session, username, password)
            audit.record(session, actor=actor, action="account.password", target=user.username)
            return user, password
    finally:
        db.dispose()
