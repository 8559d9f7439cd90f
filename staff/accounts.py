"""Staff accounts: creation, password check and reset, disabling, roles, listing.

Disabling an account or changing its password closes its sessions at once (on every instance:
sessions live in the database). The last active admin can be neither disabled nor demoted, so
that someone can always manage the accounts from the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from staff.models import Role, StaffAccount, utcnow
from staff.passwords import hash_password, rehash_if_needed, verify_password

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class AccountError(ValueError):
    """An account that cannot be created as asked (bad name, taken name)."""


@dataclass(frozen=True)
class StaffUser:
    """A staff member as the pages and the audit log see them (never the hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool = True

    @classmethod
    def of(cls, row: StaffAccount) -> StaffUser:
        """From a row."""
        return cls(row.id, row.username, row.display_name, Role(row.role), bool(row.active))

    @property
    def is_admin(self) -> bool:
        """Admins manage the accounts and patients' rights requests."""
        return self.role is Role.ADMIN

    @property
    def may_change_settings(self) -> bool:
        """Practitioners and admins set when and how the assistant answers."""
        return self.role in (Role.PRACTITIONER, Role.ADMIN)


def normalise_username(username: str) -> str:
    """Usernames are compared without case or surrounding spaces."""
    return username.strip().lower()


def add_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
) -> StaffUser:
    """Create an account.

    Raises:
        AccountError: the username is malformed or taken.
        WeakPasswordError: the password is too short or too long.
    """
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise AccountError(
            "username: 2-63 characters, lower-case letters, digits, '.', '_' or '-'"
        )
    if session.scalar(select(StaffAccount.id).where(StaffAccount.username == name)) is not None:
        raise AccountError(f"username {name!r} is already taken")
    row = StaffAccount(
        username=name,
        display_name=(display_name or name).strip(),
        role=role.value,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(row)
    session.flush()
    return StaffUser.of(row)


def _account(session: Session, username: str) -> StaffAccount:
    row = session.scalar(
        select(StaffAccount).where(StaffAccount.username == normalise_username(username))
    )
    if row is None:
        raise AccountError(f"no account {username!r}")
    return row


def _other_active_admins(session: Session, row: StaffAccount) -> int:
    query = select(func.count(StaffAccount.id)).where(
        StaffAccount.role == Role.ADMIN.value,
        StaffAccount.active.is_(True),
        StaffAccount.id != row.id,
    )
    return int(session.scalar(query) or 0)


def set_active(session: Session, username: str, active: bool) -> StaffUser:
    """Disable (sessions closed at once) or re-enable an account.

    Raises:
        AccountError: no such account, or it is the last active admin.
    """
    row = _account(session, username)
    if not active and row.role == Role.ADMIN.value and not _other_active_admins(session, row):
        raise AccountError("the last active admin cannot be disabled")
    row.active = active
    if not active:
        row.sessions.clear()
    session.flush()
    return StaffUser.of(row)


def set_role(session: Session, username: str, role: Role) -> StaffUser:
    """Change what an account may do (effective on its next request).

    Raises:
        AccountError: no such account, or demoting the last active admin.
    """
    row = _account(session, username)
    if (
        row.role == Role.ADMIN.value
        and role is not Role.ADMIN
        and row.active
        and not _other_active_admins(session, row)
    ):
        raise AccountError("the last active admin cannot lose that role")
    row.role = role.value
    session.flush()
    return StaffUser.of(row)


def set_password(session: Session, username: str, password: str) -> StaffUser:
    """Replace an account's password; its open sessions are closed.

    Raises:
        AccountError: no such account.
        WeakPasswordError: the password is too short or too long.
    """
    row = _account(session, username)
    row.password_hash = hash_password(password)
    row.password_changed_at = utcnow()
    row.sessions.clear()
    session.flush()
    return StaffUser.of(row)


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active account whose password matches, else None (same cost either way)."""
    row = session.scalar(
        select(StaffAccount).where(StaffAccount.username == normalise_username(username))
    )
    valid = verify_password(row.password_hash if row is not None else None, password)
    if row is None or not valid or not row.active:
        return None
    fresh = rehash_if_needed(row.password_hash, password)
    if fresh is not None:
        row.password_hash = fresh
    return StaffUser.of(row)


def list_accounts(session: Session, *, active_only: bool = True) -> list[StaffUser]:
    """The accounts, by username."""
    query = select(StaffAccount).order_by(StaffAccount.username)
    if active_only:
        query = query.where(StaffAccount.active.is_(True))
    return [StaffUser.of(row) for row in session.scalars(query)]
