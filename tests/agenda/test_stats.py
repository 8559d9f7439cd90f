"""The agenda's counts for the statistics: bookings and moves by channel, cancellations by who
cancelled (a move is not a cancellation), no-shows; real SQLite."""

from __future__ import annotations

import datetime as dt

import agenda
from core import AppContext
from tests.transcripts.stats_month import seed_bookings


def test_bookings_by_channel_cancellations_by_canceller_and_no_shows(
    context: AppContext,
) -> None:
    now = dt.datetime.now(dt.UTC)
    practice = context.practice
    with context.db.session() as session:
        agenda.sync_from_config(session, practice)
        kind = practice.appointment_types[0]
        expected = seed_bookings(session, now, kind.practitioners[0], kind.id)
    start, end = now - dt.timedelta(days=30), now
    with context.db.session() as session:
        stats = agenda.booking_stats(session, start, end, web_chat_prefix="chat-")
        assert {k.value: v for k, v in stats.booked.items()} == expected.booked
        assert {k.value: v for k, v in stats.moved.items()} == expected.moved
        assert {k.value: v for k, v in stats.cancelled.items()} == expected.cancelled
        assert stats.no_shows == expected.no_shows
        # Another prefix: the web chat bookings are phone bookings like the others.
        other = agenda.booking_stats(session, start, end, web_chat_prefix="web-")
        assert other.booked[agenda.BookingChannel.PHONE] == 5
        assert agenda.BookingChannel.WEB_CHAT not in other.booked
        empty = agenda.booking_stats(session, end, end + dt.timedelta(days=30),
                                     web_chat_prefix="chat-")
        assert (empty.booked, empty.moved, empty.cancelled, empty.no_shows) == ({}, {}, {}, 0)
