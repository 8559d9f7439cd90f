"""Who may call the staff routes: a machine client with the API token, or a logged-in staff member.

`require_staff` is the one dependency every staff route uses. Staff web sessions plug in here
(`STAFF_SESSION_RESOLVERS`), so routes never change when login arrives.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from core.deps import ContextDep


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``api`` for the token, else a staff account."""

    kind: str
    name: str
    role: str


API_PRINCIPAL = Principal(kind="api", name="api-token", role="admin")

# Functions that recognise a staff web session on a request (added by the staff web component).
STAFF_SESSION_RESOLVERS: list[Callable[[Request], Principal | None]] = []


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_staff(request: Request, context: ContextDep) -> Principal:
    """The caller's identity; 401 without a valid token or staff session."""
    token = _bearer(request)
    expected = context.settings.standardiste_api_token
    # Bytes: a str with a non-ASCII character (any header can carry one) makes compare_digest raise.
    if token and expected and hmac.compare_digest(
        token.encode(), expected.get_secret_value().encode()
    ):
        return API_PRINCIPAL
    for resolve in STAFF_SESSION_RESOLVERS:
        principal = resolve(request)
        if principal is not None:
            return principal
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="authentification requise",
        headers={"WWW-Authenticate": "Bearer"},
    )


StaffDep = Annotated[Principal, Depends(require_staff)]
