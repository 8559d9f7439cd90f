"""Response headers and cookie attributes for the staff pages.

The Content-Security-Policy allows no inline script and nothing from another origin: HTMX is
configured through attributes and a ``<meta name="htmx-config">``, and every script, style and
font is served by the gateway itself (the practice's server is self-contained).
"""

from __future__ import annotations

import ipaddress

from fastapi import Request, Response

from standardiste.settings import Settings

SESSION_COOKIE = "standardiste_session"
LOGIN_CSRF_COOKIE = "standardiste_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    # Pages show patients' names and numbers: never keep them in a shared browser cache.
    "Cache-Control": "no-store",
}

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def with_security_headers(response: Response) -> Response:
    """Add the staff pages' security headers to ``response``; returns it."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_secure(request: Request, settings: Settings) -> bool:
    """Whether session cookies carry ``Secure``.

    Yes when the public address is https (production, behind TLS), except for a browser on
    the server itself over plain http (``http://127.0.0.1``, ``localhost``: tests, first set-up),
    where a Secure cookie would never come back. A reverse proxy must forward the public
    ``Host`` header for this to hold (nginx: ``proxy_set_header Host $host``).
    """
    if request.url.scheme == "https":
        return True
    https_public = settings.public_base_url is not None
    return https_public and not _is_loopback(request.url.hostname or "")


def set_session_cookie(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when served over https."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
