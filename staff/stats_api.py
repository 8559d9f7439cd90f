"""``GET /api/stats``: the statistics page's figures as JSON, for the practice's own tools.

With the API token or the session of a practitioner or an admin. Counts only, like the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from core import AppContext, ContextDep, StaffDep
from staff import labels_fr
from staff.models import Role
from staff.stats_figures import (
    EARLIEST,
    LATEST,
    MAX_DAYS,
    Channel,
    Figures,
    Period,
    PeriodError,
    custom_period,
    gather,
)
from transcripts import Handling, OutcomeGroup

router = APIRouter(prefix="/api", tags=["stats"])
_ALLOWED_ROLES = {Role.PRACTITIONER.value, Role.ADMIN.value}


class DayOut(BaseModel):
    """Calls of one local day, by who handled them."""

    date: dt.date
    assistant: int
    transferred: int
    outside_hours: int
    total: int


class CallsOut(BaseModel):
    """The period's calls."""

    total: int
    assistant: int = Field(description="Answered by the assistant within its hours.")
    transferred: int = Field(description="Transferred to the secretariat (answered or not).")
    outside_hours: int = Field(description="Outside hours: message, announcement or transfer.")
    by_day: list[DayOut]
    by_weekday_hour: list[list[int]] = Field(
        description="7 rows (Monday first) of 24 hourly counts, in the practice's timezone."
    )
    by_outcome_group: dict[str, int] = Field(
        description="booked, moved, cancelled, renewal, certificate, sick_leave, message, "
        "answered, callback, transferred, transfer_unanswered, failed_booking, emergency, "
        "announcement, abandoned, technical, in_progress, other."
    )
    by_outcome: dict[str, int] = Field(description="Raw outcomes as recorded (``none``: none).")
    resolved_without_staff: int = Field(
        description="Booked, moved, cancelled, or answered with nothing left to do."
    )
    taken_in_charge: int = Field(
        description="Resolved, or a request or message written down: nobody had to pick up."
    )
    transfers_unanswered: int
    to_review: int = Field(description="Calls that ended badly (the review queue).")
    reviewed: int


class MessagesOut(BaseModel):
    """Inbox messages that arrived in the period."""

    total: int
    by_kind: dict[str, int]
    open_after_24h: int
    handled: int
    median_handling_minutes: float | None


class BookingsOut(BaseModel):
    """Appointments made, moved, cancelled and missed in the period."""

    booked: dict[str, int] = Field(description="New appointments by channel.")
    moved: dict[str, int]
    cancelled: dict[str, int] = Field(description="By who cancelled: assistant, sms, staff.")
    no_shows: int


class SmsOut(BaseModel):
    """Text messages, when the practice sends them."""

    confirmations_sent: int
    confirmations_delivered: int
    reminders_sent: int


class TimeSavedOut(BaseModel):
    """The estimate of staff time saved."""

    calls: int
    minutes_per_call: float
    minutes: float


class StatsOut(BaseModel):
    """Every figure of the statistics page for a period."""

    start: dt.date
    end: dt.date
    timezone: str
    channel: Channel
    calls: CallsOut
    messages: MessagesOut
    bookings: BookingsOut
    sms: SmsOut | None
    time_saved: TimeSavedOut


def stats_out(f: Figures, timezone: str) -> StatsOut:
    """The JSON form of the figures (daily, whatever the page's chart shows)."""
    by_day: dict[dt.date, list[int]] = {}
    zone = ZoneInfo(timezone)
    for hour, counts in f.calls.by_hour.items():
        day = dt.datetime.fromtimestamp(hour * 3600, zone).date()
        sums = by_day.setdefault(day, [0, 0, 0])
        for index, n in enumerate(counts):
            sums[index] += n
    days = [
        DayOut(date=day, assistant=a, transferred=t, outside_hours=o, total=a + t + o)
        for day, (a, t, o) in sorted(by_day.items())
    ]
    median = f.messages.median_handling_s
    return StatsOut(
        start=f.period.first,
        end=f.period.last,
        timezone=timezone,
        channel=f.channel,
        calls=CallsOut(
            total=f.total,
            assistant=f.handled(Handling.ASSISTANT),
            transferred=f.handled(Handling.TRANSFERRED),
            outside_hours=f.handled(Handling.OUTSIDE_HOURS),
            by_day=days,
            by_weekday_hour=f.heat,
            by_outcome_group={g.value: f.group(g) for g in OutcomeGroup if f.group(g)},
            by_outcome=f.calls.by_outcome,
            resolved_without_staff=f.resolved,
            taken_in_charge=f.taken_in_charge,
            transfers_unanswered=f.transfers_unanswered,
            to_review=f.to_review,
            reviewed=f.reviewed,
        ),
        messages=MessagesOut(
            total=f.messages.total,
            by_kind=f.messages.by_kind,
            open_after_24h=f.messages.open_too_long,
            handled=f.messages.handled,
            median_handling_minutes=None if median is None else round(median / 60, 1),
        ),
        bookings=BookingsOut(
            booked={k.value: v for k, v in f.bookings.booked.items()},
            moved={k.value: v for k, v in f.bookings.moved.items()},
            cancelled={k.value: v for k, v in f.bookings.cancelled.items()},
            no_shows=f.bookings.no_shows,
        ),
        sms=SmsOut(**vars(f.sms)) if f.sms is not None else None,
        time_saved=TimeSavedOut(
            calls=f.taken_in_charge, minutes_per_call=f.minutes_per_call,
            minutes=round(f.minutes_saved, 1),
        ),
    )


def _compute(context: AppContext, period: Period, channel: Channel) -> StatsOut:
    figures = gather(context.db, context.practice, period, channel, now=dt.datetime.now(dt.UTC))
    return stats_out(figures, context.practice.practice.timezone)


@router.get(
    "/stats",
    response_model=StatsOut,
    responses={
        status.HTTP_403_FORBIDDEN: {"description": "A secretary's session (not their page)."},
        status.HTTP_422_UNPROCESSABLE_CONTENT: {"description": "A period in the wrong order, "
                                                "longer than two years, or before 2000."},
    },
)
async def stats(
    context: ContextDep,
    principal: StaffDep,
    first: Annotated[dt.date, Query(alias="from", description="First day, local (included).")],
    last: Annotated[dt.date, Query(alias="to", description="Last day, local (included).")],
    channel: Annotated[Channel, Query(description="voice (default), chat or all.")] = (
        Channel.VOICE
    ),
) -> StatsOut:
    """The statistics of a period: calls by day, weekday and hour, outcomes, messages,
    bookings by channel, text messages when in use, and the staff time saved."""
    if principal.role not in _ALLOWED_ROLES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, labels_fr.ROLE_REFUSED)
    try:
        period = custom_period(first, last)
    except PeriodError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"'to' must be on or after 'from', {MAX_DAYS} days at most, "
            f"between {EARLIEST} and {LATEST}",
        ) from None
    return await run_in_threadpool(_compute, context, period, channel)
