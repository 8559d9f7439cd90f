"""Twilio retrying a webhook: the same CallSid gets one call record and the same TwiML, even when
the retries race each other (on SQLite and PostgreSQL); a retried status callback changes nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import transcripts
from core import CALL_OUTCOMES, CALLS, AnsweringMode, AppContext, OutsideHoursAction, WeeklyHours
from standardiste.migrate import upgrade
from tests.conftest import LiveGateway
from tests.support import PUBLIC_BASE, call_params, free_port, make_settings, sign


def _post(client: TestClient | httpx.Client, path: str, params: dict[str, str]) -> httpx.Response:
    signature = sign(f"{PUBLIC_BASE}{path}", params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def _count(context: AppContext, call_sid: str) -> int:
    with context.db.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(transcripts.Call)
                .where(transcripts.Call.call_sid == call_sid)
            ) or 0
        )


def _answer_outside_hours_with(context: AppContext, action: str) -> None:
    store = context.practice_store
    config = store.current()
    outside = config.answering.outside_hours.model_copy(
        update={"action": OutsideHoursAction(action)}
    )
    answering = config.answering.model_copy(
        update={"mode": AnsweringMode.OFFICE, "office_hours": WeeklyHours(),
                "outside_hours": outside}
    )
    store.save(config.model_copy(update={"answering": answering}), actor="test",
               expected_version=store.version)


def test_a_retried_voice_webhook_gets_the_same_twiml_and_one_record(
    client: TestClient, context: AppContext
) -> None:
    params = call_params("CA" + uuid.uuid4().hex)
    counted = CALLS.labels(answered_by="message")._value.get()
    _answer_outside_hours_with(context, "message")
    first = _post(client, "/twilio/voice", params)
    # Staff change the answering between the first try and Twilio's retry: the retry is
    # answered as the call was, not by the new settings.
    _answer_outside_hours_with(context, "announcement")
    second = _post(client, "/twilio/voice", params)
    assert first.status_code == second.status_code == 200
    assert 'name="mode" value="message"' in first.text
    assert second.text == first.text
    assert _count(context, params["CallSid"]) == 1
    assert CALLS.labels(answered_by="message")._value.get() == counted + 1


def test_a_retried_status_callback_changes_nothing(client: TestClient, context: AppContext) -> None:
    sid = "CA" + uuid.uuid4().hex
    assert _post(client, "/twilio/voice", call_params(sid)).status_code == 200
    counted = CALL_OUTCOMES.labels(outcome="no-answer")._value.get()
    status = call_params(sid, CallStatus="no-answer", CallDuration="0")
    assert _post(client, "/twilio/status", status).status_code == 204
    with context.db.session() as session:
        first = transcripts.get_call(session, sid)
    assert _post(client, "/twilio/status", status).status_code == 204
    # Late and out of order: a retried "in-progress" must not reopen the call.
    late = call_params(sid, CallStatus="in-progress")
    assert _post(client, "/twilio/status", late).status_code == 204
    with context.db.session() as session:
        again = transcripts.get_call(session, sid)
    assert first is not None and again is not None
    assert (again.status, again.outcome, again.ended_at, again.duration_s) == (
        "failed", "no-answer", first.ended_at, 0
    )
    assert CALL_OUTCOMES.labels(outcome="no-answer")._value.get() == counted + 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveGateway]:
    """A gateway on a real port, on SQLite or on the shared PostgreSQL database."""
    settings = make_settings(tmp_path)
    if request.param == "postgres":
        settings = make_settings(tmp_path, database_url=request.getfixturevalue("postgres_url"))
    else:
        upgrade(settings.database_url)
    live = LiveGateway(settings, free_port())
    live.start()
    yield live
    live.stop()


def test_racing_retries_of_one_call_create_one_record(gateway: LiveGateway) -> None:
    params = call_params("CA" + uuid.uuid4().hex)
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(6)

    def retry() -> None:
        with httpx.Client(base_url=gateway.url, timeout=30) as http:
            barrier.wait(timeout=10)
            answers.append(_post(http, "/twilio/voice", params))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.text for a in answers}) == 1
    assert _count(gateway.context, params["CallSid"]) == 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def racing_context(request: pytest.FixtureRequest, context: AppContext) -> AppContext:
    """The test's app context, on SQLite or with the shared PostgreSQL database."""
    if request.param == "postgres":
        from core import Database

        db = Database(request.getfixturevalue("postgres_url"))
        request.addfinalizer(db.dispose)
        return AppContext(settings=context.settings, db=db, practice_store=context.practice_store)
    return context


def test_open_call_once_lets_exactly_one_racer_create_the_record(
    racing_context: AppContext,
) -> None:
    sid = "CA" + uuid.uuid4().hex
    outcomes: list[tuple[int, bool]] = []
    barrier = threading.Barrier(8)

    def racer() -> None:
        barrier.wait(timeout=10)
        with racing_context.db.session() as session:
            call, created = transcripts.open_call_once(
                session, call_sid=sid, caller=None, called=None, answered_by="assistant"
            )
            session.flush()
            outcomes.append((call.id, created))

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 8
    assert len({call_id for call_id, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
