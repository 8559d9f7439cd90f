"""Security headers on every staff page, error pages and redirects included, and cookie flags.

Pages render through `staff.StaffTemplates`, which sets the headers; what the framework answers
by itself (a redirect to the login page, a 404, a 405, a validation error) gets them from
`staff.SecurityHeadersMiddleware`. The CSP must allow no inline script, so no page may hold one.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.security.conftest import STAFF_USER, StaffBrowser
from tests.security.test_route_walk import PROTECTION, Protection
from tests.staff.support import PASSWORD, form_token

STAFF_PAGES = sorted(
    path.replace("{message_id}", "1").replace("{call_id}", "1")
    for (method, path), kind in PROTECTION.items()
    if kind is Protection.STAFF_PAGE and method == "GET"
)
ERRORS = ["/inbox/999999", "/inbox/abc", "/inbox/99999999999999", "/no-such-page",
          "/settings/no-such-section", "/static/staff/no-such-file.js", "/today?day=demain"]
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _assert_protected(reply: Response) -> None:
    headers = reply.headers
    where = f"{reply.request.method} {reply.request.url.path} ({reply.status_code})"
    policy = {
        part.split()[0]: part.split()[1:]
        for part in headers.get("content-security-policy", "").split(";")
        if part.strip()
    }
    assert policy, f"no CSP on {where}"
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts == ["'self'"], (where, scripts)
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"], where
    assert headers["x-frame-options"] == "DENY", where
    assert headers["x-content-type-options"] == "nosniff", where
    assert headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin"), where
    if reply.headers.get("content-type", "").startswith("text/html"):
        assert headers["cache-control"] == "no-store", where
        assert not _INLINE_SCRIPT.search(reply.text), f"inline script on {where}"
        assert not _INLINE_HANDLER.search(reply.text), f"inline event handler on {where}"


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_carries_the_headers(staff_browser: StaffBrowser, path: str) -> None:
    reply = staff_browser.client.get(path, follow_redirects=False)
    assert reply.status_code in (200, 303, 404)
    _assert_protected(reply)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_the_way_to_the_login_page_carries_them_too(web: TestClient, path: str) -> None:
    reply = web.get(path, follow_redirects=False)
    assert reply.status_code == 303
    _assert_protected(reply)
    _assert_protected(web.get(path, headers={"HX-Request": "true"}))


@pytest.mark.parametrize("path", ERRORS)
def test_error_pages_carry_them(staff_browser: StaffBrowser, web: TestClient, path: str) -> None:
    for client in (staff_browser.client, web):
        reply = client.get(path, follow_redirects=False)
        assert reply.status_code in (303, 404, 405, 422), (path, reply.status_code)
        _assert_protected(reply)
    wrong_method = staff_browser.client.put("/inbox")
    assert wrong_method.status_code == 405
    _assert_protected(wrong_method)


def _cookie(reply: Response, name: str) -> str:
    [header] = [h for h in reply.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    return header


def _flags(header: str) -> dict[str, str]:
    morsel = next(iter(SimpleCookie(header).values()))
    return {k: str(v).lower() for k, v in morsel.items() if v}


def test_the_login_page_and_its_cookies(web: TestClient) -> None:
    page = web.get("/login")
    assert page.status_code == 200
    _assert_protected(page)
    form = _flags(_cookie(page, "standardiste_login_csrf"))
    assert form["secure"] and form["httponly"] and form["samesite"] == "strict"
    reply = web.post(
        "/login",
        data={"username": STAFF_USER, "password": PASSWORD,
              "csrf_token": form_token(page.text), "next": "/inbox"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    _assert_protected(reply)
    session = _flags(_cookie(reply, "standardiste_session"))
    assert session["secure"] and session["httponly"] and session["samesite"] in ("lax", "strict")
    assert session["path"] == "/"
    refused = web.post("/login", data={"username": STAFF_USER, "password": "x", "csrf_token": "x"})
    assert refused.status_code == 403
    _assert_protected(refused)
