"""The database unreachable for a few seconds (PostgreSQL stopped mid-conversation): the caller
hears the technical-problem reply, nothing raises, what was said waits in the instance's spool,
and once the database is back the sweeper loop's replay writes it, exactly once. Down when the
call comes in: the webhook answers from the settings last read (kept on disk across a restart),
the call record is spooled, and a message taken meanwhile is replayed whole.

The module runs its own PostgreSQL server (the shared one must stay up for other tests), stopped
with ``pg_ctl`` and started again on the same data and port; the gateway's pool (pre-ping)
reconnects by itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

import dialogue
import transcripts
from core import AnsweringMode, AppContext, OutsideHoursAction, WeeklyHours
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from standardiste.simulator import parse_twiml
from standardiste.sweeping import replay_spool
from telephony import media_ws
from tests.postgres import PostgresServer
from tests.support import (
    API_TOKEN,
    CALLER,
    PUBLIC_BASE,
    call_params,
    form_body,
    make_settings,
    sign,
)

pytestmark = pytest.mark.postgres
STAFF = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[PostgresServer, str]]:
    """This module's PostgreSQL server (kept on disk across stops) and its migrated database."""
    # Under /tmp itself: the server's account must reach it (pytest's folders are private).
    root = Path(tempfile.mkdtemp(prefix="standardiste-pg-down-"))
    pg = PostgresServer(root)
    try:
        pg.start()
        url = pg.create_database("standardiste_down")
        upgrade(url)
        yield pg, url
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def gateway(tmp_path: Path, server: tuple[PostgresServer, str]) -> Iterator[AppContext]:
    """An app context on the module's PostgreSQL database, with its own var folder."""
    context = build_context(make_settings(tmp_path, database_url=server[1]))
    yield context
    context.db.dispose()
    if not server[0].accepts_connections():  # a failed test must not leave it down
        server[0].start()


def _messages(context: AppContext, call_sid: str) -> list[transcripts.InboxMessage]:
    with context.db.session() as session:
        return transcripts.messages_for_call(session, call_sid)


def _caller_turns(context: AppContext, call_sid: str) -> list[str]:
    with context.db.session() as session:
        return transcripts.caller_words(session, call_sid)


def _spool(context: AppContext) -> transcripts.Spool:
    settings = context.settings
    return transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)


def test_a_chat_turn_while_the_database_is_down_answers_503_and_loses_nothing(
    gateway: AppContext, server: tuple[PostgresServer, str]
) -> None:
    pg, _url = server
    words = "je voudrais un rendez-vous demain matin"
    with TestClient(create_app(context=gateway), base_url="http://testserver") as client:
        started = client.post("/api/chat", json={"caller": CALLER}, headers=STAFF)
        assert started.status_code == 201
        session_id = started.json()["session_id"]
        pg.stop()
        reply = client.post(f"/api/chat/{session_id}", json={"text": words}, headers=STAFF)
        assert reply.status_code == 503
        assert reply.headers["retry-after"] == "5"
        body = reply.json()
        assert [r["key"] for r in body["replies"]] == ["utter_technical_problem"]
        assert body["ended"] is True
    assert [w.op for w in _spool(gateway).pending()] == ["turn", "message", "turn", "end"]
    pending = _spool(gateway).pending()
    pg.start()
    assert replay_spool(gateway.db, gateway.settings) == 4
    assert _spool(gateway).pending() == []
    # Replayed again (a crash between the writes and the spool's rewrite): still once.
    _spool(gateway).append(*pending)
    assert replay_spool(gateway.db, gateway.settings) == 4
    [message] = _messages(gateway, session_id)
    assert message.kind == "callback" and message.callback_number == CALLER
    assert message.details == {"reason": "technical", "said": [words]}
    assert _caller_turns(gateway, session_id) == [words]
    with gateway.db.session() as session:
        call = transcripts.get_call(session, session_id)
        assert call is not None and call.ended_at is not None and call.outcome == "error"


def test_a_voice_turn_while_the_database_is_down_is_spooled_then_replayed(
    gateway: AppContext, server: tuple[PostgresServer, str]
) -> None:
    pg, _url = server
    call_sid = "CA" + uuid.uuid4().hex
    words = "je voudrais renouveler mon ordonnance"

    async def call() -> list[str | None]:
        conversation = await dialogue.open_conversation(
            gateway, dialogue.ConversationMode.ASSISTANT, conversation_id=call_sid,
            caller=CALLER, channel="voice",
        )
        await conversation.start()
        await asyncio.to_thread(pg.stop)
        result = await conversation.handle_text(words)
        assert result.ended
        await conversation.close("ended")  # nothing raises with the database away
        assert conversation.database_down
        return [r.key for r in result.replies]

    assert asyncio.run(call()) == ["utter_technical_problem"]
    spooled = _spool(gateway).pending()
    # The caller's turn, the callback message, the reply and the end, at least.
    assert {"turn", "message", "end"} <= {w.op for w in spooled}
    pg.start()
    assert replay_spool(gateway.db, gateway.settings) == len(spooled)
    assert _spool(gateway).pending() == []
    [message] = _messages(gateway, call_sid)
    assert message.kind == "callback" and message.callback_number == CALLER
    assert message.details == {"reason": "technical", "said": [words]}
    with gateway.db.session() as session:
        call_record = transcripts.get_call(session, call_sid)
        turns = transcripts.list_turns(session, call_sid)
    assert call_record is not None and call_record.ended_at is not None
    assert [t.key for t in turns if t.speaker == "assistant"][-1] == "utter_technical_problem"
    assert _caller_turns(gateway, call_sid) == [words]
    assert replay_spool(gateway.db, gateway.settings) == 0


def _signed_post(client: TestClient, path: str, params: dict[str, str]) -> Response:
    signature = sign(f"{PUBLIC_BASE}{path}", params)
    return client.post(
        path, content=form_body(params),
        headers={"X-Twilio-Signature": signature,
                 "Content-Type": "application/x-www-form-urlencoded"},
    )


def _outside_hours(context: AppContext, action: str) -> None:
    """Outside office hours at any moment (no office hours), answered by ``action``."""
    store = context.practice_store
    config = store.current()
    answering = config.answering.model_copy(update={
        "mode": AnsweringMode.OFFICE, "office_hours": WeeklyHours(),
        "outside_hours": config.answering.outside_hours.model_copy(
            update={"action": OutsideHoursAction(action)}),
    })
    store.save(config.model_copy(update={"answering": answering}), actor="test",
               expected_version=store.version)
    store.current()  # read back: the copy kept for outages is written


def test_the_webhook_answers_from_the_cached_settings_after_a_restart_with_the_database_down(
    gateway: AppContext, server: tuple[PostgresServer, str]
) -> None:
    pg, _url = server
    _outside_hours(gateway, "announcement")  # the practice file would take a message instead
    call_sid = "CA" + uuid.uuid4().hex
    pg.stop()
    rang_at = dt.datetime.now(dt.UTC)
    restarted = build_context(gateway.settings)  # no refusal to start: the database is away
    try:
        assert restarted.practice_store.cached.answering.outside_hours.action.value == (
            "announcement")
        with TestClient(create_app(context=restarted), base_url="http://testserver") as client:
            answer = _signed_post(client, "/twilio/voice", call_params(call_sid))
            assert answer.status_code == 200, answer.text
            url, custom = parse_twiml(answer.text)
            assert url is not None and custom["mode"] == "announcement"
            assert custom["callSid"] == call_sid and custom["caller"] == CALLER
            fallback = _signed_post(client, "/twilio/fallback", call_params(call_sid))
            assert fallback.status_code == 200
            assert '<Say language="fr-FR">' in fallback.text
            assert "<Number>+33 4 78 00 00 01</Number>" in fallback.text
    finally:
        restarted.db.dispose()
    assert [w.op for w in _spool(gateway).pending()] == ["call"]
    pg.start()
    assert replay_spool(gateway.db, gateway.settings) == 1
    with gateway.db.session() as session:
        call = transcripts.get_call(session, call_sid)
        assert call is not None and call.answered_by == "announcement" and call.caller == CALLER
        assert _aware(call.started_at) <= rang_at + dt.timedelta(seconds=5)


def test_a_message_taken_while_the_database_is_down_is_replayed_whole(
    gateway: AppContext, server: tuple[PostgresServer, str]
) -> None:
    pg, _url = server
    _outside_hours(gateway, "message")
    call_sid = "CA" + uuid.uuid4().hex
    words = ("bonjour c'est marie martin", "rappelez-moi pour mon vaccin")

    async def call() -> list[str | None]:
        await asyncio.to_thread(pg.stop)
        with TestClient(create_app(context=gateway), base_url="http://testserver") as client:
            answer = _signed_post(client, "/twilio/voice", call_params(call_sid))
        _url, custom = parse_twiml(answer.text)
        assert custom["mode"] == "message"
        # The media stream cannot open the conversation: it takes the message all the same.
        conversation, _assistant = await media_ws._conversation(
            gateway, custom["mode"], call_sid, CALLER
        )
        await conversation.start()
        for said in words:
            assert (await conversation.handle_text(said)).replies == []
        ended = await conversation.handle_silence()  # what was said is read from the spool
        await conversation.close("completed")
        return [r.key for r in ended.replies]

    assert asyncio.run(call()) == ["utter_message_recorded", "utter_message_taken"]
    spooled = _spool(gateway).pending()
    assert spooled[0].op == "call"
    pg.start()
    assert replay_spool(gateway.db, gateway.settings) == len(spooled)
    [message] = _messages(gateway, call_sid)
    assert message.kind == "message" and message.callback_number == CALLER
    assert message.details == {"text": " ".join(words)}
    assert _caller_turns(gateway, call_sid) == list(words)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_a_text_while_the_database_is_down_is_kept_and_an_emergency_still_answered(
    gateway: AppContext, server: tuple[PostgresServer, str]
) -> None:
    pg, _url = server
    said = (
        "mon père a la bouche de travers et n'arrive plus à parler",
        "Bonjour, je serai en retard de dix minutes demain",
    )
    texts = {f"SM{uuid.uuid4().hex}": body for body in said}
    answers = []
    with TestClient(create_app(context=gateway), base_url="http://testserver") as client:
        pg.stop()
        for sid, body in texts.items():
            params = {"MessageSid": sid, "From": CALLER, "To": "+33400000000", "Body": body}
            signature = sign(f"{PUBLIC_BASE}/twilio/sms", params)
            answer = client.post("/twilio/sms", data=params,
                                 headers={"X-Twilio-Signature": signature})
            assert answer.status_code == 200
            said = ET.fromstring(answer.text).find("Message")
            answers.append(said.text if said is not None else None)
    urgent, routine = answers
    assert urgent is not None and "15" in urgent and "112" in urgent
    assert routine is None
    pending = _spool(gateway).pending()
    assert [w.op for w in pending] == ["text", "text"]
    pg.start()
    assert replay_spool(gateway.db, gateway.settings) == 2
    _spool(gateway).append(*pending)  # replayed twice (a crash before the rewrite): still once
    assert replay_spool(gateway.db, gateway.settings) == 2
    with gateway.db.session() as session:
        kept = {m.details["text"]: m for m in transcripts.list_messages(
            session, kind=transcripts.MessageKind.SMS) if m.details.get("text") in texts.values()}
    assert set(kept) == set(texts.values())
    urgent_text, routine_text = texts.values()
    assert kept[urgent_text].urgency == transcripts.Urgency.URGENT.value
    assert kept[routine_text].urgency != transcripts.Urgency.URGENT.value
    assert all(m.callback_number == CALLER for m in kept.values())
