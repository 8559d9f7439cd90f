"""The review queue: calls that ended badly, for the practice to see what callers actually say.

A call is listed when its outcome falls in a troubled group (`outcomes.TROUBLED_GROUPS`: gave
up, failed booking, transfer nobody answered, emergency, technical failure) or when one of the
assistant's replies says it went wrong: which replies is the caller's to say (the staff pages
pass the response keys of "not understood twice", "silence, goodbye", "technical problem").
Someone marks it reviewed (`mark_reviewed`); the mark goes when the call is purged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from transcripts.models import Call, CallReview, InboxMessage, MessageKind, Turn
from transcripts.outcomes import OutcomeGroup, outcome_group, troubled_outcome_sql
from transcripts.stats import utc


class ReviewReason(StrEnum):
    """Why a call is in the review queue (French labels in `staff.labels_fr`)."""

    NOT_UNDERSTOOD = "not_understood"
    GAVE_UP = "gave_up"
    FAILED_BOOKING = "failed_booking"
    TRANSFER_UNANSWERED = "transfer_unanswered"
    EMERGENCY = "emergency"
    TECHNICAL = "technical"


_GROUP_REASONS = {
    OutcomeGroup.ABANDONED: ReviewReason.GAVE_UP,
    OutcomeGroup.FAILED_BOOKING: ReviewReason.FAILED_BOOKING,
    OutcomeGroup.TRANSFER_UNANSWERED: ReviewReason.TRANSFER_UNANSWERED,
    OutcomeGroup.EMERGENCY: ReviewReason.EMERGENCY,
    OutcomeGroup.TECHNICAL: ReviewReason.TECHNICAL,
}

TroubleKeys = Mapping[str, ReviewReason]
"""Response keys of the assistant's replies that mean a call went wrong, and what they mean."""


@dataclass(frozen=True)
class ReviewItem:
    """One call of the queue, without its transcript."""

    call_id: int
    call_sid: str
    channel: str
    answered_by: str
    outcome: str | None
    group: OutcomeGroup
    started_at: dt.datetime
    duration_s: int | None
    reasons: tuple[ReviewReason, ...]
    reviewed_by: str | None
    reviewed_at: dt.datetime | None


def review_reasons(
    outcome: str | None, answered_by: str, keys: Collection[str], trouble_keys: TroubleKeys
) -> tuple[ReviewReason, ...]:
    """Why a call belongs in the queue (empty: it does not), in `ReviewReason` order."""
    found = {trouble_keys[k] for k in keys if k in trouble_keys}
    group = outcome_group(outcome, answered_by, ended=True)
    if group in _GROUP_REASONS:
        found.add(_GROUP_REASONS[group])
    return tuple(r for r in ReviewReason if r in found)


def _troubled(trouble_keys: TroubleKeys) -> ColumnElement[bool]:
    said = select(Turn.call_id).where(Turn.key.in_(sorted(trouble_keys))).scalar_subquery()
    return or_(troubled_outcome_sql(), Call.id.in_(said))


def _where(
    start: dt.datetime, end: dt.datetime, trouble_keys: TroubleKeys, channel: str | None
) -> list[ColumnElement[bool]]:
    where = [Call.started_at >= utc(start), Call.started_at < utc(end), _troubled(trouble_keys)]
    if channel is not None:
        where.append(Call.channel == channel)
    return where


def review_counts(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    trouble_keys: TroubleKeys,
    channel: str | None = None,
) -> tuple[int, int]:
    """How many calls of ``[start, end)`` ended badly, and how many of them were reviewed."""
    total, reviewed = session.execute(
        select(func.count(Call.id), func.count(CallReview.call_id))
        .outerjoin(CallReview, CallReview.call_id == Call.id)
        .where(*_where(start, end, trouble_keys, channel))
    ).one()
    return int(total or 0), int(reviewed or 0)


def calls_to_review(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    trouble_keys: TroubleKeys,
    reviewed: bool | None = False,
    channel: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewItem]:
    """The calls of ``[start, end)`` that ended badly, newest first.

    Args:
        reviewed: False (the default) for those nobody reviewed yet, True for the reviewed
            ones, None for both.
    """
    statement = (
        select(Call, CallReview)
        .outerjoin(CallReview, CallReview.call_id == Call.id)
        .where(*_where(start, end, trouble_keys, channel))
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if reviewed is not None:
        statement = statement.where(
            CallReview.call_id.is_not(None) if reviewed else CallReview.call_id.is_(None)
        )
    rows = session.execute(statement).all()
    ids = [call.id for call, _ in rows]
    keys = said_keys(session, ids, trouble_keys)
    asked = callbacks_left(session, ids)
    return [
        _item(call, review, keys.get(call.id, ()), trouble_keys, call.id in asked)
        for call, review in rows
    ]


def callbacks_left(session: Session, call_ids: Collection[int]) -> set[int]:
    """Which of these calls left a callback request (a ``completed`` call's group depends on
    it)."""
    if not call_ids:
        return set()
    return {
        int(call_id)
        for call_id in session.scalars(
            select(InboxMessage.call_id)
            .where(
                InboxMessage.call_id.in_(list(call_ids)),
                InboxMessage.kind == MessageKind.CALLBACK.value,
            )
            .distinct()
        )
        if call_id is not None
    }


def said_keys(
    session: Session, call_ids: Collection[int], trouble_keys: TroubleKeys
) -> dict[int, set[str]]:
    """Which of the trouble replies each of these calls heard."""
    found: dict[int, set[str]] = defaultdict(set)
    if not call_ids or not trouble_keys:
        return found
    for call_id, key in session.execute(
        select(Turn.call_id, Turn.key)
        .where(Turn.call_id.in_(list(call_ids)), Turn.key.in_(sorted(trouble_keys)))
        .distinct()
    ):
        found[int(call_id)].add(str(key))
    return found


def _item(
    call: Call,
    review: CallReview | None,
    keys: Collection[str],
    trouble_keys: TroubleKeys,
    callback: bool,
) -> ReviewItem:
    return ReviewItem(
        call_id=call.id,
        call_sid=call.call_sid,
        channel=call.channel,
        answered_by=call.answered_by,
        outcome=call.outcome,
        group=outcome_group(
            call.outcome, call.answered_by, ended=call.ended_at is not None, callback=callback
        ),
        started_at=_aware(call.started_at),
        duration_s=call.duration_s,
        reasons=review_reasons(call.outcome, call.answered_by, keys, trouble_keys),
        reviewed_by=review.reviewed_by if review else None,
        reviewed_at=_aware(review.reviewed_at) if review else None,
    )


def review_item(session: Session, call_id: int, trouble_keys: TroubleKeys) -> ReviewItem | None:
    """One call as the queue shows it (whether or not it ended badly), or None."""
    row = session.execute(
        select(Call, CallReview)
        .outerjoin(CallReview, CallReview.call_id == Call.id)
        .where(Call.id == call_id)
    ).first()
    if row is None:
        return None
    call, review = row
    keys = said_keys(session, [call.id], trouble_keys)
    callback = bool(callbacks_left(session, [call.id]))
    return _item(call, review, keys.get(call.id, ()), trouble_keys, callback)


def mark_reviewed(
    session: Session, call_id: int, *, by: str | None, now: dt.datetime | None = None
) -> bool:
    """Mark a call reviewed by ``by`` (None: back to « à revoir »); False when it is unknown."""
    if session.get(Call, call_id) is None:
        return False
    if by is None:
        session.execute(delete(CallReview).where(CallReview.call_id == call_id))
        return True
    # Two people marking the same call at once: the first mark stays, the second is a no-op.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(CallReview)
        .values(call_id=call_id, reviewed_by=by[:120], reviewed_at=now or dt.datetime.now(dt.UTC))
        .on_conflict_do_nothing(index_elements=[CallReview.call_id])
    )
    return True


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
