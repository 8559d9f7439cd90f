"""Every route needs a staff session or the API token, except a short, documented list."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core import AppContext
from tests.support import API_TOKEN

# Public on purpose (docs/staff-web.md, "What is public"): health and metrics for monitoring,
# Twilio's webhooks (they check Twilio's signature instead), the login page, static files.
PUBLIC = {"/healthz", "/login"}
SIGNED = {
    "/twilio/voice", "/twilio/status", "/twilio/connect-action", "/twilio/dial-action",
    "/twilio/fallback", "/twilio/sms", "/twilio/sms/status",
}
# Protected by their own secret instead: the iCalendar feed (a token in its URL) and Rasa's
# action endpoint (not in the schema; the token Rasa presents, tested in tests/dialogue).
OWN_SECRET = {"/agenda/{practitioner_id}.ics"}
# The website chat: for patients on the practice's site, no account; its declared origins and
# rate limits instead (tests/security/test_route_walk.py, tests/dialogue/test_website_chat.py).
WEBSITE = {
    "/public/chat", "/public/chat/config", "/public/chat/{conversation_id}",
    "/public/chat/{conversation_id}/end",
}
STAFF_PAGES = [
    ("GET", "/"), ("GET", "/inbox"), ("GET", "/inbox/rows"), ("GET", "/inbox/changes"),
    ("GET", "/inbox/1"), ("POST", "/inbox/1/assign"), ("POST", "/inbox/1/note"),
    ("POST", "/inbox/1/status"), ("GET", "/inbox/1/recording"), ("POST", "/inbox/1/ready"),
    ("GET", "/today"),
    ("POST", "/patients/1/verify"), ("GET", "/settings"), ("POST", "/settings/hours"),
    ("GET", "/settings/audit"), ("GET", "/try"), ("POST", "/logout"),
    ("GET", "/stats"), ("GET", "/stats/export.csv"), ("GET", "/review"), ("GET", "/review/1"),
    ("POST", "/review/1/reviewed"), ("GET", "/review/1/recording"),
]


def _concrete(path: str) -> str:
    for name, value in (("{session_id}", "chat-x"), ("{appointment_id}", "1"),
                        ("{patient_id}", "1"), ("{practitioner_id}", "martin")):
        path = path.replace(name, value)
    return path


def test_api_routes_refuse_anonymous_callers(web: TestClient, context: AppContext) -> None:
    assert web.get("/openapi.json").status_code == 401
    spec = web.get("/openapi.json", headers={"Authorization": f"Bearer {API_TOKEN}"}).json()
    checked = 0
    for path, operations in spec["paths"].items():
        if path in PUBLIC | OWN_SECRET | WEBSITE:
            continue
        for method in operations:
            reply = web.request(method.upper(), _concrete(path), follow_redirects=False)
            expected = {403} if path in SIGNED else {401}
            assert reply.status_code in expected, (method, path, reply.status_code)
            checked += 1
    assert checked >= 15


def test_staff_pages_refuse_anonymous_visitors(web: TestClient) -> None:
    for method, path in STAFF_PAGES:
        reply = web.request(method, path, follow_redirects=False)
        assert reply.status_code == 303, (method, path, reply.status_code)
        assert reply.headers["location"].startswith("/login")


def test_no_docs_pages_that_load_scripts_from_a_cdn(web: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        assert web.get(path).status_code in (303, 404), path


def test_public_routes(web: TestClient) -> None:
    assert web.get("/login").status_code == 200
    assert web.get("/metrics").status_code == 401  # local scraper or token: tests/security
    assert web.get("/static/staff/htmx.min.js").status_code == 200
    assert web.get("/healthz").status_code in (200, 503)
    assert web.get("/widget.js").status_code == 200
