"""CSRF: every unsafe request of a logged-in browser must carry the session's token."""

from __future__ import annotations

from fastapi.testclient import TestClient

import staff
from core import AppContext
from tests.staff.support import logged_in
from tests.support import API_TOKEN


def test_page_forms_need_the_token(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "claire", staff.Role.PRACTITIONER)
    version = context.practice_store.version
    body = {"version": str(version), "bookable": ["consultation"]}
    missing = web.post("/settings/booking", data=body, follow_redirects=False)
    forged = web.post(
        "/settings/booking", data={**body, "csrf_token": "x" * 43}, follow_redirects=False
    )
    assert missing.status_code == forged.status_code == 403
    assert context.practice_store.audit_log() == []
    done = web.post(
        "/settings/booking", data={**body, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert len(context.practice_store.audit_log()) == 1


def test_htmx_and_fetch_send_it_as_a_header(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "sophie", staff.Role.SECRETARY)
    assert web.post("/api/chat", json={}).status_code == 403
    assert web.post("/api/chat", json={}, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert web.post("/api/chat", json={}, headers={"X-CSRF-Token": token}).status_code == 201
    # Reading needs no token; an API client with the bearer token needs none either.
    assert web.get("/api/inbox").status_code == 200
    web.cookies.clear()
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    assert web.post("/api/chat", json={}, headers=bearer).status_code == 201


def test_the_token_belongs_to_one_session(web: TestClient, context: AppContext) -> None:
    first = logged_in(web, context, "sophie", staff.Role.SECRETARY)
    web.cookies.clear()
    second = logged_in(web, context, "marc", staff.Role.SECRETARY)
    assert first != second
    assert web.post("/api/chat", json={}, headers={"X-CSRF-Token": first}).status_code == 403


def test_pages_embed_the_token_for_htmx(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "sophie", staff.Role.SECRETARY)
    page = web.get("/inbox").text
    assert f"hx-headers='{{\"X-CSRF-Token\": \"{token}\"}}'" in page
    assert f'<meta name="csrf-token" content="{token}">' in page
