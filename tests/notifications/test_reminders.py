"""Reminders at their lead times, with the clock of each pass chosen by the test; moved ones
follow the new time, cancelled ones are dropped."""

from __future__ import annotations

import datetime as dt

import agenda
import notifications
from core import AppContext
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import MOBILE, book, enable_sms, rows, run, tuesday

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def test_reminders_go_at_48_h_and_2_h_and_not_before(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    start = tuesday(10, 30)
    booked_at = start - dt.timedelta(days=5)
    book(sms_context, start, now=booked_at)
    assert run(sms_context, booked_at).sent == 1  # the confirmation
    sent: list[int] = []
    for moment in (
        start - 48 * HOUR - MINUTE, start - 48 * HOUR + 10 * dt.timedelta(seconds=1),
        start - 30 * HOUR, start - 2 * HOUR - MINUTE, start - 2 * HOUR, start - HOUR,
    ):
        sent.append(run(sms_context, moment).sent)
    assert sent == [0, 1, 0, 0, 1, 0]
    _confirmation, early, late = standin.state.to(MOBILE)
    assert "rappel de votre RDV le mardi" in early.body and "à 10h30" in early.body
    assert early.body == late.body and "ANNULER" in late.body
    reminders = [r for r in rows(sms_context) if r["kind"] == "reminder"]
    assert [(r["lead_hours"], r["due_at"]) for r in reminders] == [
        (48, start - 48 * HOUR), (2, start - 2 * HOUR)]


def test_a_moved_appointment_is_reminded_at_its_new_time_and_a_cancelled_one_not_at_all(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    start = tuesday(9)
    booked_at = start - dt.timedelta(days=5)
    first = book(sms_context, start, now=booked_at)
    other = book(sms_context, tuesday(11), now=booked_at, last_name="Martin")
    with sms_context.db.session() as session:
        moved = agenda.move_appointment(
            session, sms_context.practice, first.id, by="secrétariat",
            start=start + dt.timedelta(days=1, hours=1), now=booked_at)
        agenda.cancel_appointment(session, sms_context.practice, other.id, by="secrétariat",
                                  now=booked_at)
    run(sms_context, booked_at)
    # At the old time, nothing; the moved appointment (Wednesday 10:00) 48 h before.
    assert run(sms_context, start - 48 * HOUR).sent == 0
    assert run(sms_context, start + dt.timedelta(days=1, hours=1) - 48 * HOUR).sent == 1
    kinds = [(r["kind"], r["appointment_id"], r["state"]) for r in rows(sms_context)]
    assert ("reminder", other.id, "sent") not in kinds
    assert [k for k in kinds if k[0] == "reminder"] == [("reminder", moved.id, "sent")]


def test_no_reminder_for_a_booking_made_after_its_time_and_the_today_page_plans_them(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    start = tuesday(10)
    booked_at = start - 30 * HOUR  # after the 48 h reminder's time, before the 2 h one
    made = book(sms_context, start, now=booked_at)
    run(sms_context, booked_at)
    with sms_context.db.session() as session:
        info = agenda.get_appointment(session, sms_context.practice, made.id)
        texts = notifications.appointment_texts(session, sms_context.practice, [info],
                                                now=booked_at)
    assert [(t.kind, t.state, t.lead_hours) for t in texts[made.id]] == [
        ("booked", "sent", None), ("reminder", "planned", 2)]
    assert run(sms_context, start - 47 * HOUR).sent == 0
    assert run(sms_context, start - 2 * HOUR).sent == 1


def test_reminders_off_or_changed_lead_times_apply_to_appointments_already_booked(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    enable_sms(sms_context, reminders=False)
    start = tuesday(10)
    booked_at = start - dt.timedelta(days=5)
    book(sms_context, start, now=booked_at)
    run(sms_context, booked_at)
    assert run(sms_context, start - 2 * HOUR).sent == 0
    enable_sms(sms_context, reminder_hours=[1])
    assert run(sms_context, start - HOUR).sent == 1
