"""Every route of the app falls in exactly one protection class, proven by calling it.

`PROTECTION` declares the class of each route (HTTP method and path, WebSocket, mount). The
walk reads the routes from the app itself: a route added without a class, or a class left for
a route that is gone, fails `test_every_route_is_declared_once`. Each class then has its test:
without credentials and with wrong ones the route refuses; with the right ones it lets through
(so the refusal is the protection at work, not a missing body or a 404).
"""

from __future__ import annotations

import re
from enum import StrEnum

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from dialogue import action_token
from tests.security.conftest import SecureApp, StaffBrowser
from tests.support import API_TOKEN, PUBLIC_BASE, call_params, sign


class Protection(StrEnum):
    """How a route tells who may use it."""

    TWILIO_SIGNATURE = "twilio-signature"
    """``X-Twilio-Signature`` over the public URL and the form (403 otherwise)."""
    STREAM_SIGNATURE = "stream-signature"
    """WebSocket upgrade signed over the wss URL, then the per-call token in ``start``."""
    STAFF_PAGE = "staff-page"
    """A staff session cookie (and CSRF token when unsafe); else a redirect to the login page."""
    STAFF_API = "staff-api"
    """The bearer API token or a staff session; else 401."""
    ACTION_TOKEN = "action-token"
    """The token derived for our Rasa server (``Authorization`` header set by its
    endpoints.yml, never the query string); else 403."""
    FEED_TOKEN = "feed-token"
    """The practitioner's iCalendar secret in the URL; else 404, like an unknown feed."""
    LOCAL_OR_TOKEN = "local-or-token"
    """A scraper on the server itself (loopback, not proxied) or the API token; else 401."""
    PUBLIC = "public"
    """Anyone: health, the login form (own CSRF token and rate limit), the pages' static files,
    the website widget's script and style."""
    WEBSITE = "website"
    """The website chat: pages of the practice's declared origins (or no ``Origin``: not a
    browser's cross-site call), within its rate limits; a foreign ``Origin`` gets 403 and no
    CORS header."""


P = Protection
PROTECTION: dict[tuple[str, str], Protection] = {
    ("GET", "/healthz"): P.PUBLIC,
    ("GET", "/openapi.json"): P.STAFF_API,
    ("GET", "/metrics"): P.LOCAL_OR_TOKEN,
    ("POST", "/twilio/voice"): P.TWILIO_SIGNATURE,
    ("POST", "/twilio/status"): P.TWILIO_SIGNATURE,
    ("POST", "/twilio/connect-action"): P.TWILIO_SIGNATURE,
    ("POST", "/twilio/dial-action"): P.TWILIO_SIGNATURE,
    ("POST", "/twilio/fallback"): P.TWILIO_SIGNATURE,
    ("WS", "/twilio/media"): P.STREAM_SIGNATURE,
    ("POST", "/twilio/sms"): P.TWILIO_SIGNATURE,
    ("POST", "/twilio/sms/status"): P.TWILIO_SIGNATURE,
    ("POST", "/dialogue/webhook"): P.ACTION_TOKEN,
    ("GET", "/dialogue/actions"): P.ACTION_TOKEN,
    ("POST", "/api/chat"): P.STAFF_API,
    ("POST", "/api/chat/{session_id}"): P.STAFF_API,
    ("DELETE", "/api/chat/{session_id}"): P.STAFF_API,
    ("GET", "/api/appointments"): P.STAFF_API,
    ("GET", "/api/inbox"): P.STAFF_API,
    ("GET", "/agenda/practitioners"): P.STAFF_API,
    ("GET", "/agenda/appointments"): P.STAFF_API,
    ("POST", "/agenda/appointments"): P.STAFF_API,
    ("GET", "/agenda/appointments/{appointment_id}"): P.STAFF_API,
    ("POST", "/agenda/appointments/{appointment_id}/cancel"): P.STAFF_API,
    ("POST", "/agenda/appointments/{appointment_id}/move"): P.STAFF_API,
    ("GET", "/agenda/patients/to-verify"): P.STAFF_API,
    ("POST", "/agenda/patients/{patient_id}/verify"): P.STAFF_API,
    ("GET", "/agenda/slots"): P.STAFF_API,
    ("GET", "/agenda/{practitioner_id}.ics"): P.FEED_TOKEN,
    ("GET", "/fhir/Slot"): P.STAFF_API,
    ("GET", "/fhir/Appointment"): P.STAFF_API,
    ("GET", "/login"): P.PUBLIC,
    ("POST", "/login"): P.PUBLIC,
    ("POST", "/logout"): P.STAFF_PAGE,
    ("GET", "/"): P.STAFF_PAGE,
    ("GET", "/settings"): P.STAFF_PAGE,
    ("POST", "/settings/{section}"): P.STAFF_PAGE,
    ("GET", "/settings/audit"): P.STAFF_PAGE,
    ("GET", "/try"): P.STAFF_PAGE,
    ("MOUNT", "/static/staff"): P.PUBLIC,
    ("GET", "/api/stats"): P.STAFF_API,
    ("GET", "/stats"): P.STAFF_PAGE,
    ("GET", "/stats/export.csv"): P.STAFF_PAGE,
    ("GET", "/review"): P.STAFF_PAGE,
    ("GET", "/review/{call_id}"): P.STAFF_PAGE,
    ("POST", "/review/{call_id}/reviewed"): P.STAFF_PAGE,
    ("GET", "/review/{call_id}/recording"): P.STAFF_PAGE,
    ("GET", "/inbox"): P.STAFF_PAGE,
    ("GET", "/inbox/rows"): P.STAFF_PAGE,
    ("GET", "/inbox/changes"): P.STAFF_PAGE,
    ("GET", "/inbox/{message_id}"): P.STAFF_PAGE,
    ("POST", "/inbox/{message_id}/assign"): P.STAFF_PAGE,
    ("POST", "/inbox/{message_id}/note"): P.STAFF_PAGE,
    ("POST", "/inbox/{message_id}/status"): P.STAFF_PAGE,
    ("GET", "/inbox/{message_id}/recording"): P.STAFF_PAGE,
    ("POST", "/inbox/{message_id}/ready"): P.STAFF_PAGE,
    ("GET", "/today"): P.STAFF_PAGE,
    ("POST", "/patients/{patient_id}/verify"): P.STAFF_PAGE,
    ("GET", "/admin"): P.STAFF_PAGE,
    ("GET", "/admin/accounts"): P.STAFF_PAGE,
    ("POST", "/admin/accounts/{username}/active"): P.STAFF_PAGE,
    ("POST", "/admin/accounts/{username}/role"): P.STAFF_PAGE,
    ("POST", "/admin/accounts/{username}/password"): P.STAFF_PAGE,
    ("GET", "/admin/patients"): P.STAFF_PAGE,
    ("POST", "/admin/patients/export"): P.STAFF_PAGE,
    ("POST", "/admin/patients/erase"): P.STAFF_PAGE,
    ("GET", "/widget.js"): P.PUBLIC,
    ("GET", "/widget.css"): P.PUBLIC,
    ("GET", "/public/chat/config"): P.WEBSITE,
    ("OPTIONS", "/public/chat/config"): P.WEBSITE,
    ("POST", "/public/chat"): P.WEBSITE,
    ("OPTIONS", "/public/chat"): P.WEBSITE,
    ("POST", "/public/chat/{conversation_id}"): P.WEBSITE,
    ("OPTIONS", "/public/chat/{conversation_id}"): P.WEBSITE,
    ("POST", "/public/chat/{conversation_id}/end"): P.WEBSITE,
    ("OPTIONS", "/public/chat/{conversation_id}/end"): P.WEBSITE,
}

_EXAMPLES = {
    "session_id": "chat-0123456789abcdef01234567",
    "appointment_id": "1",
    "patient_id": "1",
    "practitioner_id": "martin",
    "message_id": "1",
    "call_id": "1",
    "section": "hours",
    "username": "personne",
    "conversation_id": "web-" + "0" * 32,
}
_PRACTICE_SITE = "https://www.cabinet-des-tilleuls.fr"  # website.origins of the practice file
# Header values are bytes on the wire: a non-ASCII one must be refused, not crash the check.
_WRONG_BEARERS = ("Bearer wrong-token", f"Basic {API_TOKEN}", f"Bearer {API_TOKEN}x", "Bearer é")
_FORGED_COOKIE = {"standardiste_session": "forged-session-token"}


def _routes_of(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every route of the app: HTTP methods, ``WS`` and ``MOUNT``."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        path = str(context.path)
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            found.append(("WS", path))
        elif isinstance(route, Mount):
            found.append(("MOUNT", path))
        elif isinstance(route, APIRoute | Route):
            found.extend((method, path) for method in sorted(context.methods or ()))
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")
    return [(method, path) for method, path in found if method != "HEAD"]


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _EXAMPLES[m.group(1)], path)


def _declared(protection: Protection) -> list[tuple[str, str]]:
    return [key for key, value in PROTECTION.items() if value is protection]


def _ids(routes: list[tuple[str, str]]) -> list[str]:
    return [f"{method} {path}" for method, path in routes]


def test_every_route_is_declared_once(web: TestClient) -> None:
    routes = _routes_of(web)
    assert len(routes) == len(set(routes)), "a route is served twice"
    undeclared = sorted(set(routes) - set(PROTECTION))
    stale = sorted(set(PROTECTION) - set(routes))
    assert not undeclared, f"routes without a protection class: {undeclared}"
    assert not stale, f"declared routes the app no longer has: {stale}"
    assert len(routes) >= 45


@pytest.mark.parametrize(
    ("method", "path"), _declared(P.STAFF_API), ids=_ids(_declared(P.STAFF_API))
)
def test_staff_api_routes_need_the_token_or_a_session(
    web: TestClient, staff_browser: StaffBrowser, method: str, path: str
) -> None:
    url = _concrete(path)
    assert web.request(method, url).status_code == 401
    for header in _WRONG_BEARERS:
        reply = web.request(method, url, headers={"Authorization": header.encode()})
        assert reply.status_code == 401, (header, reply.status_code)
    web.cookies.update(_FORGED_COOKIE)
    assert web.request(method, url).status_code == 401
    web.cookies.clear()
    # The right credentials get past the door: the token, and a session (with its CSRF token).
    with_token = web.request(method, url, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert with_token.status_code not in (401, 403), with_token.text
    csrf = {"X-CSRF-Token": staff_browser.csrf}
    session = staff_browser.client.request(method, url, headers=csrf)
    assert session.status_code not in (401, 403), session.text
    if method not in ("GET", "HEAD"):
        # A session without its CSRF token is a forged cross-site request.
        forged = staff_browser.client.request(method, url)
        assert forged.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"), _declared(P.STAFF_PAGE), ids=_ids(_declared(P.STAFF_PAGE))
)
def test_staff_pages_send_strangers_to_the_login_page(
    web: TestClient, staff_browser: StaffBrowser, method: str, path: str
) -> None:
    url = _concrete(path)
    for headers in ({}, {"Authorization": f"Bearer {API_TOKEN}"}):
        # The API token is for machines: pages want a person's session.
        reply = web.request(method, url, headers=headers, follow_redirects=False)
        assert reply.status_code == 303, (headers, reply.status_code)
        assert reply.headers["location"].startswith("/login?next=")
    web.cookies.update(_FORGED_COOKIE)
    assert web.request(method, url, follow_redirects=False).status_code == 303
    htmx = web.request(method, url, headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login"
    web.cookies.clear()
    browser = staff_browser.client
    if method == "GET":
        reply = browser.get(url, follow_redirects=False)
        assert reply.status_code in (200, 303, 404), reply.status_code
        assert not reply.headers.get("location", "").startswith("/login?next=")
    else:
        assert browser.request(method, url, follow_redirects=False).status_code == 403
        reply = browser.request(
            method, url, headers={"X-CSRF-Token": staff_browser.csrf}, follow_redirects=False
        )
        assert reply.status_code not in (401, 403), reply.status_code
        assert not reply.headers.get("location", "").startswith("/login?next=")


@pytest.mark.parametrize(
    ("method", "path"), _declared(P.TWILIO_SIGNATURE), ids=_ids(_declared(P.TWILIO_SIGNATURE))
)
def test_twilio_routes_need_twilios_signature(web: TestClient, method: str, path: str) -> None:
    params = call_params()
    url = f"{PUBLIC_BASE}{path}"
    for headers in (
        {},
        {"X-Twilio-Signature": "forged"},
        {"X-Twilio-Signature": sign(url, params, token="f" * 32)},
        {"Authorization": f"Bearer {API_TOKEN}"},
    ):
        assert web.request(method, path, data=params, headers=headers).status_code == 403
    signature = {"X-Twilio-Signature": sign(url, params)}
    signed = web.request(method, path, data=params, headers=signature)
    assert signed.status_code in (200, 204), signed.text


def test_the_media_stream_needs_a_signed_upgrade(web: TestClient) -> None:
    [(_, path)] = _declared(P.STREAM_SIGNATURE)
    wss = PUBLIC_BASE.replace("https://", "wss://") + path
    for headers in ({}, {"X-Twilio-Signature": sign(wss, {}, token="f" * 32)}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            web.websocket_connect(path, headers=headers),
        ):
            pass
        assert refused.value.code == 1008
    # Signed: accepted, then closed for want of a `start` with the call's token.
    with web.websocket_connect(path, headers={"X-Twilio-Signature": sign(wss, {})}) as ws:
        ws.send_text('{"event": "start", "streamSid": "MZ1", "start": {"callSid": "CA1"}}')
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008


@pytest.mark.parametrize(
    ("method", "path"), _declared(P.ACTION_TOKEN), ids=_ids(_declared(P.ACTION_TOKEN))
)
def test_rasas_routes_need_the_action_token(
    web: TestClient, secure_app: SecureApp, method: str, path: str
) -> None:
    body = {"next_action": "action_no_such_thing", "tracker": {"sender_id": "x"}, "domain": {}}
    json = body if method == "POST" else None
    token = action_token(secure_app.context.settings)
    for header in ("", "Bearer guess", f"Bearer {API_TOKEN}", "Bearer é", token, f"Basic {token}"):
        reply = web.request(method, path, json=json, headers={"Authorization": header.encode()})
        assert reply.status_code == 403, (header, reply.status_code)
    # In the query string (where access logs would print it) the right token opens nothing.
    in_query = web.request(method, path, params={"token": token}, json=json)
    assert in_query.status_code == 403
    reply = web.request(method, path, json=json, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code in (200, 404), reply.text  # 404: the action does not exist


def test_feeds_need_their_own_secret(web: TestClient) -> None:
    [(_, path)] = _declared(P.FEED_TOKEN)
    url = _concrete(path)
    assert web.get(url).status_code == 422
    for token in ("guess", "", "é" * 32):
        assert web.get(url, params={"token": token}).status_code == 404
    # The staff token does not open a feed: the feed's own secret does.
    assert web.get(url, headers={"Authorization": f"Bearer {API_TOKEN}"}).status_code == 422
    listed = web.get("/agenda/practitioners", headers={"Authorization": f"Bearer {API_TOKEN}"})
    [feed_path] = [p["feed_path"] for p in listed.json() if p["id"] == _EXAMPLES["practitioner_id"]]
    reply = web.get(feed_path)
    assert reply.status_code == 200 and "BEGIN:VCALENDAR" in reply.text


def test_metrics_for_a_local_scraper_or_the_token(secure_app: SecureApp) -> None:
    [(_, path)] = _declared(P.LOCAL_OR_TOKEN)
    app = secure_app.app
    remote = TestClient(app, base_url=PUBLIC_BASE, client=("203.0.113.9", 40000))
    assert remote.get(path).status_code == 401
    for header in _WRONG_BEARERS:
        wrong = {"Authorization": header.encode()}
        assert remote.get(path, headers=wrong).status_code == 401
    reply = remote.get(path, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert reply.status_code == 200 and "standardiste_calls_total" in reply.text
    local = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40000))
    assert local.get(path).status_code == 200
    # Through a reverse proxy on the same machine: the internet, not a local scraper.
    for name in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        assert local.get(path, headers={name: "203.0.113.9"}).status_code == 401


@pytest.mark.parametrize(("method", "path"), _declared(P.PUBLIC), ids=_ids(_declared(P.PUBLIC)))
def test_public_routes_answer_anyone(web: TestClient, method: str, path: str) -> None:
    if (method, path) == ("MOUNT", "/static/staff"):
        assert web.get(f"{path}/htmx.min.js").status_code == 200
        assert web.get(f"{path}/../../core/settings.py").status_code == 404
        return
    reply = web.request(method, path, follow_redirects=False)
    if path == "/healthz":
        assert reply.status_code in (200, 503)  # 503 here: no Rasa server
        assert set(reply.json()) == {"ok", "checks"}
    elif method == "POST":
        assert reply.status_code == 403  # the login form's own CSRF token is missing
    else:
        assert reply.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"), _declared(P.WEBSITE), ids=_ids(_declared(P.WEBSITE))
)
def test_the_website_chat_answers_its_practices_pages_only(
    web: TestClient, method: str, path: str
) -> None:
    url = _concrete(path)
    preflight = {"Access-Control-Request-Method": "POST"} if method == "OPTIONS" else {}
    for origin in ("https://evil.example", "null", _PRACTICE_SITE + ".evil.example"):
        reply = web.request(method, url, headers={"Origin": origin, **preflight}, json={})
        assert reply.status_code == 403, (origin, reply.status_code)
        assert "access-control-allow-origin" not in reply.headers
    # Neither the staff token nor a session cookie opens it to another site.
    staffed = {"Origin": "https://evil.example", "Authorization": f"Bearer {API_TOKEN}"}
    assert web.request(method, url, headers={**staffed, **preflight}, json={}).status_code == 403
    body = {"text": "bonjour"} if path.endswith("}") else {}
    allowed = web.request(method, url, headers={"Origin": _PRACTICE_SITE, **preflight}, json=body)
    assert allowed.status_code not in (401, 403), allowed.text
    assert allowed.headers["access-control-allow-origin"] == _PRACTICE_SITE
