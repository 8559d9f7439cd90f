"""What a call came to, in the few groups the practice reads: booked, a request left, transferred,
abandoned, a technical failure… and who handled it.

A call record keeps the raw ``outcome`` its writers chose (the dialogue's actions, the
conversations' close, Twilio's status callback, the sweeper): ``booked``, ``renewal``,
``completed``, ``hangup``, ``no-answer``… Writers add outcomes over time, so grouping is by
rule, and an outcome nobody knows yet lands in `OutcomeGroup.OTHER` instead of breaking a page.
The same rules exist twice, in Python (one call) and in SQL (`handling_filters`,
`troubled_outcome_sql`: counting a year of calls in the database); tests hold them together.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_

from transcripts.models import Call


class OutcomeGroup(StrEnum):
    """What a call came to, as the statistics count it (French labels in `labels_fr`)."""

    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"
    RENEWAL = "renewal"
    CERTIFICATE = "certificate"
    SICK_LEAVE = "sick_leave"
    MESSAGE = "message"
    ANSWERED = "answered"
    """The dialogue closed the call itself with nothing left to do (information given)."""
    CALLBACK = "callback"
    """The dialogue closed the call but left a callback request (silence, technical problem)."""
    TRANSFERRED = "transferred"
    TRANSFER_UNANSWERED = "transfer_unanswered"
    FAILED_BOOKING = "failed_booking"
    EMERGENCY = "emergency"
    ANNOUNCEMENT = "announcement"
    ABANDONED = "abandoned"
    TECHNICAL = "technical"
    IN_PROGRESS = "in_progress"
    OTHER = "other"


class Handling(StrEnum):
    """Who took the call: the assistant, a person after a transfer, or the outside-hours rule."""

    ASSISTANT = "assistant"
    TRANSFERRED = "transferred"
    OUTSIDE_HOURS = "outside_hours"


RESOLVED = frozenset(
    {OutcomeGroup.BOOKED, OutcomeGroup.MOVED, OutcomeGroup.CANCELLED, OutcomeGroup.ANSWERED}
)
"""The caller got what they called for and nobody at the practice has anything to do."""
REQUESTS = frozenset(
    {OutcomeGroup.RENEWAL, OutcomeGroup.CERTIFICATE, OutcomeGroup.SICK_LEAVE, OutcomeGroup.MESSAGE}
)
"""A request written down for the secretariat: the call itself needed nobody."""
TAKEN_IN_CHARGE = RESOLVED | REQUESTS
"""Calls the assistant saw through without a person on the line (the staff time saved)."""

_SAME_NAME = {g.value: g for g in (
    OutcomeGroup.BOOKED, OutcomeGroup.MOVED, OutcomeGroup.CANCELLED, OutcomeGroup.RENEWAL,
    OutcomeGroup.CERTIFICATE, OutcomeGroup.SICK_LEAVE, OutcomeGroup.MESSAGE,
    OutcomeGroup.TRANSFERRED, OutcomeGroup.FAILED_BOOKING, OutcomeGroup.EMERGENCY,
    OutcomeGroup.ANNOUNCEMENT,
)}
COMPLETED = "completed"
"""The dialogue ended the call with one of its closing replies."""
ABANDONED_OUTCOMES = frozenset({"hangup", "canceled", "no-answer", "busy"})
"""The caller hung up before the end (``canceled``: while it rang, Twilio's word)."""
TECHNICAL_OUTCOMES = frozenset({"error", "dropped", "no_stream", "failed"})
UNANSWERED_DIAL_STATUSES = frozenset({"no-answer", "busy", "failed"})
"""Twilio's end of a call sent straight to the outside-hours number that nobody took."""
TRANSFER_PREFIX = "transfer"
"""``transfer_failed``, ``transfer_no_answer``…: a transfer that did not reach anyone."""
OUTSIDE_HOURS_TRANSFER = "transfer"
"""`Call.answered_by` of a call transferred on arrival by the outside-hours rule."""


def _unanswered_transfer(outcome: str, answered_by: str) -> bool:
    if outcome.startswith(TRANSFER_PREFIX) and outcome != OutcomeGroup.TRANSFERRED.value:
        return True
    return answered_by == OUTSIDE_HOURS_TRANSFER and outcome in UNANSWERED_DIAL_STATUSES


def outcome_group(
    outcome: str | None, answered_by: str, *, ended: bool, callback: bool = False
) -> OutcomeGroup:
    """The group of one call.

    Args:
        outcome: the call record's outcome (None: nothing written yet).
        answered_by: the call record's ``answered_by``.
        ended: whether the call is over.
        callback: whether a callback request was left for it (matters for ``completed``).
    """
    if outcome is None:
        if not ended:
            return OutcomeGroup.IN_PROGRESS
        if answered_by == OUTSIDE_HOURS_TRANSFER:
            return OutcomeGroup.TRANSFERRED
        return OutcomeGroup.OTHER
    if outcome in _SAME_NAME:
        return _SAME_NAME[outcome]
    if outcome == COMPLETED:
        return OutcomeGroup.CALLBACK if callback else OutcomeGroup.ANSWERED
    if _unanswered_transfer(outcome, answered_by):
        return OutcomeGroup.TRANSFER_UNANSWERED
    if outcome in ABANDONED_OUTCOMES:
        return OutcomeGroup.ABANDONED
    if outcome in TECHNICAL_OUTCOMES:
        return OutcomeGroup.TECHNICAL
    return OutcomeGroup.OTHER


def handling(answered_by: str, outcome: str | None) -> Handling:
    """Who took the call (see `Handling`)."""
    if answered_by != Handling.ASSISTANT.value:
        return Handling.OUTSIDE_HOURS
    if outcome is not None and outcome.startswith(TRANSFER_PREFIX):
        return Handling.TRANSFERRED
    return Handling.ASSISTANT


def handling_filters(
    answered_by: ColumnElement[str], outcome: ColumnElement[str | None]
) -> dict[Handling, ColumnElement[bool]]:
    """`handling` as one SQL condition per `Handling`, over these columns (aggregate filters)."""
    by_assistant = answered_by == Handling.ASSISTANT.value
    transfer = outcome.startswith(TRANSFER_PREFIX)
    return {
        Handling.ASSISTANT: and_(by_assistant, or_(outcome.is_(None), ~transfer)),
        Handling.TRANSFERRED: and_(by_assistant, transfer),
        Handling.OUTSIDE_HOURS: answered_by != Handling.ASSISTANT.value,
    }


TROUBLED_GROUPS = frozenset({
    OutcomeGroup.ABANDONED, OutcomeGroup.FAILED_BOOKING, OutcomeGroup.TRANSFER_UNANSWERED,
    OutcomeGroup.EMERGENCY, OutcomeGroup.TECHNICAL,
})
"""Groups of calls that ended badly, which the review queue lists."""


def troubled_outcome_sql() -> ColumnElement[bool]:
    """True for calls whose outcome falls in `TROUBLED_GROUPS` (SQL over `Call`)."""
    return or_(
        Call.outcome.in_(sorted(
            ABANDONED_OUTCOMES
            | TECHNICAL_OUTCOMES
            | {OutcomeGroup.FAILED_BOOKING.value, OutcomeGroup.EMERGENCY.value}
        )),
        and_(
            Call.outcome.startswith(TRANSFER_PREFIX),
            Call.outcome != OutcomeGroup.TRANSFERRED.value,
        ),
    )
