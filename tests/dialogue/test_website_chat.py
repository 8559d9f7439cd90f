"""The website chat's public API where no Rasa server is needed: the practice's origins only
(CORS), rate limits (429 with Retry-After), message size (413), expiry (410, a French message,
the request handed to the inbox), the emergency check, bookings marked by channel. Real app,
real SQLite database; the gateway's clock is the real one."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

import agenda
import dialogue
import staff
import transcripts
from core import AppContext, Settings
from dialogue.website.limits import limits_of
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.staff.support import logged_in
from tests.support import make_settings

SITE = "https://www.cabinet-des-tilleuls.fr"  # declared in config/practice.yaml
FOREIGN = "https://evil.example"


@pytest.fixture
def limited(tmp_path: Path) -> Settings:
    """Settings with small limits, so that a test reaches them in a few requests."""
    settings = make_settings(
        tmp_path,
        website_chat_starts_per_address=3,
        website_chat_turns_per_address=50,
        website_chat_turns_per_conversation=4,
    )
    upgrade(settings.database_url)
    return settings


@pytest.fixture
def site(limited: Settings) -> Iterator[tuple[TestClient, AppContext]]:
    context = build_context(limited)
    app = create_app(context=context)
    with TestClient(app, base_url="https://standardiste.example.org") as client:
        client.headers["Origin"] = SITE
        yield client, context
    context.db.dispose()


@contextmanager
def _in_one_window(window_s: int) -> Iterator[None]:
    """The limits count in fixed windows, and a test's requests across a window's end count in
    two (it happened twice). Move the wall clock, ticking, to a window's start."""
    start = (time.time() // window_s + 1) * window_s + 0.5
    with time_machine.travel(dt.datetime.fromtimestamp(start, dt.UTC), tick=True):
        yield


def _start(client: TestClient) -> dict[str, Any]:
    reply = client.post("/public/chat", json={"practice": "cabinet-medical-des-tilleuls"})
    assert reply.status_code == 201, reply.text
    data: dict[str, Any] = reply.json()
    return data


def test_the_widget_and_its_settings_are_served_without_french_in_the_script(
    site: tuple[TestClient, AppContext],
) -> None:
    client, context = site
    script = client.get("/widget.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "/public/chat/config" in script.text
    assert not any(word in script.text for word in ("Envoyer", "assistant automatisé", "urgence"))
    assert client.get("/widget.css").headers["content-type"].startswith("text/css")
    config = client.get("/public/chat/config", params={"practice": "cabinet-medical-des-tilleuls"})
    assert config.status_code == 200
    assert config.headers["access-control-allow-origin"] == SITE
    body = config.json()
    assert body["practice"] == "Cabinet médical des Tilleuls"
    assert body["colours"] == {"accent": "#1d4ed8", "on_accent": "#ffffff"}
    labels = body["labels"]
    assert "assistant automatisé" in labels["notice"] and "avis médical" in labels["notice"]
    numbers = context.practice.emergency
    for number in (numbers.samu, numbers.european, numbers.deaf_sms, numbers.suicide_prevention):
        assert number in labels["emergency"]
    assert "SMS" in labels["emergency"]
    assert labels["title"] == "Cabinet médical des Tilleuls"
    assert client.get("/public/chat/config", params={"practice": "autre"}).status_code == 404


def test_a_foreign_origin_is_refused_and_never_gets_cors_headers(
    site: tuple[TestClient, AppContext],
) -> None:
    client, context = site
    foreign = {"Origin": FOREIGN}
    for method, path in (
        ("GET", "/public/chat/config"),
        ("POST", "/public/chat"),
        ("POST", "/public/chat/web-" + "a" * 32),
    ):
        reply = client.request(method, path, headers=foreign, json={"text": "bonjour"})
        assert reply.status_code == 403, (path, reply.status_code)
        assert "access-control-allow-origin" not in reply.headers
        assert reply.json()["code"] == "origin"
    preflight = client.options(
        "/public/chat",
        headers={**foreign, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    allowed = client.options(
        "/public/chat",
        headers={"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SITE
    assert "POST" in allowed.headers["access-control-allow-methods"]
    with context.db.session() as session:
        assert transcripts.list_messages(session) == []
    # Declared later in the staff pages, the same origin is let in at once.
    store = context.practice_store
    current = store.current()
    website = current.website.model_copy(update={"origins": [*current.website.origins, FOREIGN]})
    store.save(
        current.model_copy(update={"website": website}), actor="test",
        expected_version=store.version,
    )
    assert client.get("/public/chat/config", headers=foreign).status_code == 200


def test_conversations_are_opened_with_unguessable_ids_and_limited_per_address(
    site: tuple[TestClient, AppContext],
) -> None:
    client, context = site
    with _in_one_window(limits_of(context.settings)["start"].window_s):
        _open_three_then_flood(client, context)


def _open_three_then_flood(client: TestClient, context: AppContext) -> None:
    first = _start(client)
    ids = {first["conversation_id"], _start(client)["conversation_id"]}
    ids.add(_start(client)["conversation_id"])
    assert len(ids) == 3 and all(i.startswith("web-") and len(i) == 36 for i in ids)
    assert [r["key"] for r in first["replies"]][:2] in (
        ["utter_greet", "utter_disclosure"], ["utter_outside_hours_message"],
        ["utter_outside_hours_announcement"],
    )
    flood = client.post("/public/chat", json={})
    assert flood.status_code == 429
    assert 1 <= int(flood.headers["retry-after"]) <= 600
    assert flood.headers["access-control-allow-origin"] == SITE
    assert flood.json()["code"] == "too_many" and "Patientez" in flood.json()["detail"]
    with context.db.session() as session:
        assert {transcripts.get_call(session, i).channel for i in ids} == {"web"}  # type: ignore[union-attr]


def test_a_conversation_is_limited_and_an_oversize_message_refused(
    site: tuple[TestClient, AppContext],
) -> None:
    client, context = site
    with _in_one_window(limits_of(context.settings)["conversation"].window_s):
        _refuse_too_long_and_too_many(client, context)


def _refuse_too_long_and_too_many(client: TestClient, context: AppContext) -> None:
    conversation = _start(client)["conversation_id"]
    url = f"/public/chat/{conversation}"
    too_long = client.post(url, json={"text": "a" * 1001})
    assert too_long.status_code == 413
    assert too_long.json()["code"] == "too_long" and "1000" in too_long.json()["detail"]
    huge = client.post(url, content=b'{"text": "' + b"a" * 20_000 + b'"}',
                       headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.headers["access-control-allow-origin"] == SITE
    # The emergency check answers without Rasa; the conversation is then over.
    emergency = client.post(url, json={"text": "ma mère ne respire plus"})
    assert emergency.status_code == 200, emergency.text
    body = emergency.json()
    assert body["ended"] is True and body["replies"][0]["emergency"] is True
    assert "15" in body["replies"][0]["text"] and "114" in body["replies"][1]["text"]
    # The urgent note is in the inbox, marked as coming from the website.
    del client.headers["Origin"]
    logged_in(client, context, "sophie", staff.Role.SECRETARY)
    row = re.search(r'<tr[^>]*data-kind="emergency".*?</tr>', client.get("/inbox").text, re.S)
    assert row is not None and 'data-channel="web"' in row.group(0)
    assert "chat du site" in row.group(0)
    client.headers["Origin"] = SITE
    over = client.post(url, json={"text": "allo"})
    assert over.status_code == 409 and over.json()["code"] == "ended"
    # The body refused unread counted for nothing; the three others did: 4 a minute, then 429.
    assert client.post(url, json={"text": "allo"}).status_code == 409
    limited = client.post(url, json={"text": "allo"})
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    assert client.post(f"/public/chat/web-{'b' * 32}", json={"text": "x"}).status_code == 404


def test_an_idle_conversation_expires_with_a_clear_message_and_its_request_is_kept(
    site: tuple[TestClient, AppContext],
) -> None:
    client, context = site
    conversation = _start(client)["conversation_id"]
    _age(context, conversation, minutes=31)
    reply = client.post(f"/public/chat/{conversation}", json={"text": "bonjour"})
    assert reply.status_code == 410
    assert reply.json()["code"] == "expired"
    assert "expiré" in reply.json()["detail"] and "30 minutes" in reply.json()["detail"]
    with context.db.session() as session:
        call = transcripts.get_call(session, conversation)
        assert call is not None and call.ended_at is not None
    # Another instance's sweeper finds nothing left to close (closed once).
    assert _run(dialogue.expire_idle_website_chats(context)) == 0


def test_the_sweeper_closes_conversations_left_idle(
    site: tuple[TestClient, AppContext],
) -> None:
    client, context = site
    idle = _start(client)["conversation_id"]
    fresh = _start(client)["conversation_id"]
    _age(context, idle, minutes=45)
    assert _run(dialogue.expire_idle_website_chats(context)) == 1
    with context.db.session() as session:
        assert transcripts.get_call(session, idle).ended_at is not None  # type: ignore[union-attr]
        assert transcripts.get_call(session, fresh).ended_at is None  # type: ignore[union-attr]
    assert client.post(f"/public/chat/{idle}/end").status_code == 204
    assert client.post(f"/public/chat/{fresh}/end").status_code == 204
    assert client.post(f"/public/chat/{fresh}", json={"text": "encore"}).status_code == 409


def test_the_agenda_marks_what_the_website_booked(context: AppContext) -> None:
    practice = context.practice
    with context.db.session() as session:
        agenda.sync_from_config(session, practice)
        kind = practice.appointment_types[0]
        [slot, *_] = agenda.search_slots(session, practice, kind.id, limit=1)
        held = agenda.hold_slot(
            session, practice, practitioner_id=slot.practitioner_id,
            appointment_type_id=kind.id, start=slot.start, conversation_id="web-x",
        )
        patient = agenda.register_patient(
            session, last_name="Web", first_name="Anne", birth_date=dt.date(1980, 1, 2),
            source=agenda.Source.WEB,
        )
        booked = agenda.confirm_hold(
            session, practice, held.hold_id, patient_id=patient.id, conversation_id="web-x",
            source=agenda.Source.WEB,
        )
    assert booked.source == "web" and patient.to_verify


def _age(context: AppContext, conversation_id: str, *, minutes: int) -> None:
    """Move the conversation's start and turns ``minutes`` into the past."""
    back = dt.timedelta(minutes=minutes)
    with context.db.session() as session:
        call = transcripts.get_call(session, conversation_id)
        assert call is not None and call.turns
        for turn in call.turns:
            turn.started_at = _utc(turn.started_at) - back
        call.started_at = _utc(call.started_at) - back


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _run(coroutine: Any) -> Any:
    import asyncio

    return asyncio.run(coroutine)
