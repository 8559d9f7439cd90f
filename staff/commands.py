"""What `standardiste user …` does, apart from prompting (the shell's CLI prompts and prints)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError, ProgrammingError

from core import Database, Settings
from staff.accounts import StaffUser, add_account, list_accounts, set_password
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


def users(settings: Settings) -> list[StaffUser]:
    """Every active account."""
    db = _database(settings)
    try:
        with db.session() as session:
            return list_accounts(session)
    finally:
        db.dispose()
