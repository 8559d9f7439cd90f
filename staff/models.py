"""Tables owned by the staff web: accounts, their sessions, and failed logins (rate limit).

Sessions and failed logins live in the database, not in process memory, so that several
gateway instances behind a load balancer share them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core import component_metadata


class StaffBase(DeclarativeBase):
    """Declarative base of the staff tables."""

    metadata = component_metadata()


class Role(StrEnum):
    """What a staff member may do (French labels in `labels_fr`)."""

    SECRETARY = "secretary"
    PRACTITIONER = "practitioner"
    ADMIN = "admin"


def utcnow() -> dt.datetime:
    """Now, in UTC (aware)."""
    return dt.datetime.now(dt.UTC)


class StaffAccount(StaffBase):
    """A person who logs in to the staff pages."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    """Lower-case login name; also what the settings audit log records as the actor."""
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    sessions: Mapped[list[StaffSession]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class StaffSession(StaffBase):
    """A logged-in browser; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

    account: Mapped[StaffAccount] = relationship(back_populates="sessions")


class LoginFailure(StaffBase):
    """One refused login, counted per username and per client address for the rate limit."""

    __tablename__ = "staff_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    """``user`` or ``addr``."""
    key: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 of the username or address: the table holds no readable personal data."""
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class StaffAudit(StaffBase):
    """One administrative act: an account changed, a patient's data exported or erased.

    What the law asks to keep of a patient's erasure is that it happened, when and by whom:
    the line names no patient (``target`` is ``patient``; ``detail`` holds only counts).
    """

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    """A staff username, or ``cli:<system user>`` for the command line."""
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text, default="")
