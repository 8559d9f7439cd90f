"""Response headers and cookie attributes for the staff pages.

The Content-Security-Policy allows no inline script and nothing from another origin: HTMX is
configured through attributes and a ``<meta name="htmx-config">``, and every script, style and
font is served by the gateway itself (the practice's server is self-contained).
"""

from __future__ import annotations

import ipaddress

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import Settings

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
_STATIC_PREFIX = "/static/"


class SecurityHeadersMiddleware:
    """Puts `SECURITY_HEADERS` on every HTTP response the app sends, where a route set none.

    Pages add them themselves (`with_security_headers`), but a redirect to the login page, a
    404, a 405 or a validation error on a staff path is answered by the framework, and an error
    page must not be framable or sniffable either. Static files keep their cache.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` to add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(_STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if not (static and name == "Cache-Control"):
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
