"""The administrative audit log: who disabled an account, changed a role, reset a password,
exported or erased a patient's data, and when (``staff_audit``)."""

from __future__ import annotations

import getpass
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from staff.models import StaffAudit


def cli_actor() -> str:
    """The actor of a command-line act: the system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def record(
    session: Session, *, actor: str, action: str, target: str, detail: dict[str, Any] | None = None
) -> StaffAudit:
    """Add one line to the audit log (committed with the act it records)."""
    entry = StaffAudit(
        actor=actor[:64],
        action=action,
        target=target[:120],
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, limit: int = 100) -> list[StaffAudit]:
    """The latest lines, newest first."""
    query = select(StaffAudit).order_by(StaffAudit.at.desc(), StaffAudit.id.desc()).limit(limit)
    return list(session.scalars(query))
