"""Login and logout pages.

The login form carries its own CSRF token (there is no session yet): a random value set in a
short-lived SameSite=Strict cookie and repeated in a hidden field; a cross-site form cannot
read the cookie, so it cannot repeat it.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse

from core import ContextDep
from staff import labels_fr
from staff.accounts import authenticate
from staff.auth_web import LOGIN_PATH, PageSession, request_session, safe_next
from staff.ratelimit import clear_failures, purge_failures, record_failure, retry_after
from staff.security import (
    LOGIN_CSRF_COOKIE,
    clear_session_cookie,
    cookie_secure,
    set_session_cookie,
    with_security_headers,
)
from staff.sessions import MAX_AGE, close_session, open_session, purge_sessions
from staff.templating import templates

_LOGGER = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
_LOGIN_FORM_TTL_S = 3600


def _redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def _login_page(
    request: Request,
    context: ContextDep,
    *,
    next_path: str,
    error: str | None = None,
    username: str = "",
    status_code: int = 200,
) -> Response:
    form_token = secrets.token_urlsafe(32)
    response = templates.render(
        request,
        "login.html",
        {"form_token": form_token, "next": next_path, "error": error, "username": username},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        form_token,
        max_age=_LOGIN_FORM_TTL_S,
        path=LOGIN_PATH,
        secure=cookie_secure(request, context.settings),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get(LOGIN_PATH)
def login_form(request: Request, context: ContextDep, next: str | None = None) -> Response:
    """The login page (or straight on when already logged in)."""
    if request_session(request) is not None:
        return with_security_headers(_redirect(safe_next(next)))
    return _login_page(request, context, next_path=safe_next(next))


@router.post(LOGIN_PATH)
def login(
    request: Request,
    context: ContextDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password (rate-limited) and open a session."""
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_page(
            request, context, next_path=target, error=labels_fr.LOGIN_FORM_EXPIRED,
            username=username, status_code=status.HTTP_403_FORBIDDEN,
        )
    address = request.client.host if request.client else "unknown"
    user = None
    with context.db.session() as session:
        purge_failures(session)
        wait = retry_after(session, username=username, address=address)
        if not wait:
            user = authenticate(session, username, password)
            if user is None:
                record_failure(session, username=username, address=address)
            else:
                clear_failures(session, username=username, address=address)
                purge_sessions(session)
                opened = open_session(session, user)
    if wait:
        seconds = math.ceil(wait)
        _LOGGER.warning("login throttled", extra={"retry_after_s": seconds})
        page = _login_page(
            request, context, next_path=target,
            error=labels_fr.LOGIN_LIMITED.format(seconds=seconds),
            username=username, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        page.headers["Retry-After"] = str(seconds)
        return page
    if user is None:
        _LOGGER.info("login refused")
        return _login_page(
            request, context, next_path=target, error=labels_fr.LOGIN_FAILED,
            username=username, status_code=status.HTTP_401_UNAUTHORIZED,
        )
    _LOGGER.info("staff login", extra={"role": user.role.value})
    response = with_security_headers(_redirect(target))
    secure = cookie_secure(request, context.settings)
    set_session_cookie(
        response, opened.token, secure=secure, max_age=int(MAX_AGE.total_seconds())
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH, secure=secure, httponly=True)
    return response


@router.post("/logout")
def logout(request: Request, context: ContextDep, current: PageSession) -> Response:
    """Close the session everywhere and go back to the login page."""
    with context.db.session() as session:
        close_session(session, current.token)
    response = with_security_headers(_redirect(LOGIN_PATH))
    clear_session_cookie(response, secure=cookie_secure(request, context.settings))
    return response


@router.get("/")
def home(current: PageSession) -> Response:
    """The inbox is the staff's home page."""
    return with_security_headers(_redirect("/inbox"))
