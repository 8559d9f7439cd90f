"""Faults: numbers that cannot receive texts, Twilio's errors, and crashes between the claim of
a row and the record of its send, all without a text sent twice."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

import notifications
from core import AppContext
from standardiste.app import create_app
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import LANDLINE, MOBILE, book, rows, run, tuesday
from tests.support import PUBLIC_BASE, sign

SECOND = dt.timedelta(seconds=1)


def _state(context: AppContext) -> list[tuple[str, str, str | None, int]]:
    return [(r["kind"], r["state"], r["error_code"], r["attempts"]) for r in rows(context)]


def test_a_landline_or_an_invalid_number_is_noted_and_not_retried(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = tuesday(10) - dt.timedelta(days=5)
    book(sms_context, tuesday(10), now=now, phone=LANDLINE)
    book(sms_context, tuesday(11), now=now, phone="+33 7 00 00 00 00", last_name="Bernard")
    report = run(sms_context, now)
    assert report.skipped == 2 and standin.state.creates == 0
    assert _state(sms_context) == [
        ("booked", "skipped", "landline", 1), ("booked", "skipped", "invalid-number", 1)]
    assert run(sms_context, now + dt.timedelta(hours=1)).skipped == 0


def test_twilio_refusals_are_stored_and_only_passing_errors_retried(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = tuesday(10) - dt.timedelta(days=5)
    invalid, unsubscribed = "+33611111111", "+33622222222"
    standin.state.refuse(invalid, 21211)
    standin.state.refuse(unsubscribed, 21610)
    book(sms_context, tuesday(10), now=now, phone=invalid)
    book(sms_context, tuesday(11), now=now, phone=unsubscribed, last_name="Bernard")
    standin.state.fail_next(429, 20429)
    book(sms_context, tuesday(9), now=now, last_name="Petit")
    report = run(sms_context, now)
    assert (report.failed, report.retrying, report.sent) == (2, 1, 0)
    assert _state(sms_context) == [
        ("booked", "failed", "21211", 1), ("booked", "failed", "21610", 1),
        ("booked", "pending", "20429", 1)]
    # Back-off: not before 30 s; then sent. The refused ones are not tried again.
    assert run(sms_context, now + 29 * SECOND).sent == 0
    assert run(sms_context, now + 31 * SECOND).sent == 1
    assert standin.state.creates == 4
    # Twilio's 21610 means the patient said STOP to Twilio: honoured here too.
    standin.state.refused_numbers.clear()
    book(sms_context, tuesday(11, 30), now=now, phone=unsubscribed, last_name="Bernard")
    run(sms_context, now + dt.timedelta(minutes=2))
    assert _state(sms_context)[-1] == ("booked", "skipped", "opted-out", 1)


def test_a_5xx_after_twilio_took_the_text_is_not_sent_twice(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = dt.datetime.now(dt.UTC)  # Twilio's clock: what an in-doubt check compares to
    book(sms_context, tuesday(10), now=now)
    standin.state.fail_next(500, 20500, accepted=True)
    assert run(sms_context, now).retrying == 1
    report = run(sms_context, now + dt.timedelta(minutes=1))
    assert (report.found, report.sent) == (1, 0)
    [text] = standin.state.to(MOBILE)
    [row] = rows(sms_context)
    assert row["state"] == "sent" and row["twilio_sid"] == text.sid and row["attempts"] == 2


def test_a_crash_between_claim_and_send_is_sent_once_after_the_lease(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = dt.datetime.now(dt.UTC)  # Twilio's clock: what an in-doubt check compares to
    book(sms_context, tuesday(10), now=now)
    notifications.run_pass(sms_context, None, now=now)  # scheduled only
    with sms_context.db.session() as session:
        [claimed] = notifications.claim(session, now, "dead-instance")
        assert claimed.state == "sending"
    # The claiming instance died: nobody else takes the row while its lease runs…
    assert run(sms_context, now + notifications.LEASE - SECOND).sent == 0
    # …then one does, finds nothing sent in Twilio, and sends it once.
    assert run(sms_context, now + notifications.LEASE + SECOND).sent == 1
    assert standin.state.creates == 1 and standin.state.lists == 1
    assert run(sms_context, now + 2 * notifications.LEASE).sent == 0


def test_a_crash_after_the_send_before_its_record_is_found_not_resent(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = dt.datetime.now(dt.UTC)  # Twilio's clock: what an in-doubt check compares to
    book(sms_context, tuesday(10), now=now)
    notifications.run_pass(sms_context, None, now=now)
    with sms_context.db.session() as session:
        rows_claimed = notifications.claim(session, now, "dead-instance")
        [outgoing] = notifications.prepare(session, sms_context.practice, rows_claimed, now)
    notifications.messaging_for(sms_context).send(outgoing.to, outgoing.body, None)
    # Died here: Twilio has the text, the row says « sending ».
    report = run(sms_context, now + notifications.LEASE + SECOND)
    assert (report.found, report.sent) == (1, 0)
    [text] = standin.state.to(MOBILE)
    assert rows(sms_context)[0]["twilio_sid"] == text.sid


def test_delivery_callbacks_update_the_row(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = dt.datetime.now(dt.UTC)
    book(sms_context, tuesday(10), now=now)
    run(sms_context, now)
    [text] = standin.state.to(MOBILE)
    assert text.status_callback is not None
    path_and_query = text.status_callback.removeprefix(PUBLIC_BASE)
    params = {"MessageSid": text.sid, "MessageStatus": "undelivered", "ErrorCode": "30003",
              "To": MOBILE}
    with TestClient(create_app(context=sms_context)) as web:
        reply = web.post(path_and_query, data=params, headers={
            "X-Twilio-Signature": sign(text.status_callback, params)})
    assert reply.status_code == 204
    [row] = rows(sms_context)
    assert (row["state"], row["delivery_status"], row["error_code"]) == (
        "sent", "undelivered", "30003")
