"""Who is logged in: the session cookie, checked against the database, and the CSRF token.

`resolve_principal` is registered in `core.STAFF_SESSION_RESOLVERS`, so every staff
API route (`StaffDep`) accepts a logged-in browser as well as the API token. A browser's
unsafe requests (POST, DELETE…) must carry the session's CSRF token: the ``X-CSRF-Token``
header (HTMX, the softphone's fetch calls) or the ``csrf_token`` form field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from core import AppContext, Principal
from staff import labels_fr
from staff.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE
from staff.sessions import OpenSession, csrf_matches, find_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_PATH = "/login"
BACKGROUND_HEADER = "X-Background"
"""Set by the pages' polling: such a request is not a person's action (idle timeout)."""


def request_session(request: Request) -> OpenSession | None:
    """The request's valid staff session, read once per request (blocking: a DB read)."""
    cached: OpenSession | None
    if hasattr(request.state, "staff_session"):
        cached = request.state.staff_session
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    found = None
    if token:
        context: AppContext = request.app.state.context
        with context.db.session() as session:
            found = find_session(
                session, token, activity=request.headers.get(BACKGROUND_HEADER) is None
            )
    request.state.staff_session = found
    return found


def resolve_principal(request: Request) -> Principal | None:
    """The staff session as a `Principal` for `require_staff`; 403 on a forged unsafe request."""
    current = request_session(request)
    if current is None:
        return None
    if request.method not in SAFE_METHODS and not csrf_matches(
        current.csrf_token, request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, labels_fr.CSRF_REFUSED)
    return Principal(kind="staff", name=current.user.username, role=current.user.role.value)


def safe_next(target: str | None) -> str:
    """Where to go after login: a local path only (never ``//evil`` or ``https://…``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def page_session(request: Request) -> OpenSession:
    """The logged-in staff member of a page request, with its CSRF token checked when unsafe.

    Without a session: a redirect to the login page (for HTMX, an ``HX-Redirect``).
    """
    current = await run_in_threadpool(request_session, request)
    if current is None:
        if request.headers.get("HX-Request"):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": LOGIN_PATH})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            headers={"Location": f"{LOGIN_PATH}?next={quote(target, safe='/')}"},
        )
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            form = await request.form()
            field = form.get(CSRF_FIELD)
            given = field if isinstance(field, str) else None
        if not csrf_matches(current.csrf_token, given):
            raise HTTPException(status.HTTP_403_FORBIDDEN, labels_fr.CSRF_REFUSED)
    return current


async def settings_session(current: Annotated[OpenSession, Depends(page_session)]) -> OpenSession:
    """A practitioner's or an admin's session (the settings pages)."""
    if not current.user.may_change_settings:
        raise HTTPException(status.HTTP_403_FORBIDDEN, labels_fr.ROLE_REFUSED)
    return current


async def admin_session(current: Annotated[OpenSession, Depends(page_session)]) -> OpenSession:
    """An admin's session (accounts, patients' rights requests)."""
    if not current.user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, labels_fr.ADMIN_REFUSED)
    return current


PageSession = Annotated[OpenSession, Depends(page_session)]
SettingsSession = Annotated[OpenSession, Depends(settings_session)]
AdminSession = Annotated[OpenSession, Depends(admin_session)]
