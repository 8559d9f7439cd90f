"""Proposals on the phone: a caller's time wish → at most three spread slots, held for the call.

The booking policy in one place: how many proposals are offered (`PROPOSALS`), how far apart
(`PROPOSALS_APART`), how many rounds a caller may ask for others (`MAX_ROUNDS`), and how many
free slots a search reads to choose from (`SEARCH_POOL`). The dialogue reads the caller's words
into a `TimeWish` and calls `propose`; the proposals are held, so two callers are never promised
the same slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from agenda.holds import hold_slots, release_holds
from agenda.results import HeldSlot, Slot
from agenda.slots import search_slots
from agenda.timegrid import AFTERNOON_STARTS, utcnow
from core import PracticeConfig

PROPOSALS = 3
# Two proposals in one half-day are at least this far apart.
PROPOSALS_APART = dt.timedelta(hours=1)
# Rounds of proposals a caller may hear ("aucun ne me convient" asks for the next round).
MAX_ROUNDS = 3
# Free slots read from the search, in order, to choose the proposals from.
SEARCH_POOL = 200


@dataclass(frozen=True, slots=True)
class TimeWish:
    """When a caller would come, as constraints on a slot's local day and start time.

    A part of the day ("le matin") is a window of start times (``time_from``..``time_to``).

    Attributes:
        earliest: First acceptable local day, or None.
        latest: Last acceptable local day (inclusive), or None.
        weekdays: Acceptable weekdays (0 = Monday); empty means any.
        excluded_weekdays: Weekdays ruled out ("pas le mercredi").
        time_from: First acceptable local start time (inclusive), or None.
        time_to: Last acceptable local start time (inclusive), or None.
        around: The time asked for ("vers dix heures"): proposals closest to it come first.
        asap: The caller wants the earliest slots.
        flexible: Any time suits the caller.
    """

    earliest: dt.date | None = None
    latest: dt.date | None = None
    weekdays: frozenset[int] = frozenset()
    excluded_weekdays: frozenset[int] = frozenset()
    time_from: dt.time | None = None
    time_to: dt.time | None = None
    around: dt.time | None = None
    asap: bool = False
    flexible: bool = False

    def accepts(self, start: dt.datetime, tz: dt.tzinfo) -> bool:
        """Whether a slot starting at ``start`` (aware) fits every constraint, read in ``tz``."""
        local = start.astimezone(tz)
        day, clock = local.date(), local.time().replace(second=0, microsecond=0)
        return not (
            (self.earliest is not None and day < self.earliest)
            or (self.latest is not None and day > self.latest)
            or (self.weekdays and day.weekday() not in self.weekdays)
            or day.weekday() in self.excluded_weekdays
            or (self.time_from is not None and clock < self.time_from)
            or (self.time_to is not None and clock > self.time_to)
        )

    def widened(self) -> TimeWish:
        """The wish once none of the proposals suited: no last day; a single day asked for
        becomes its weekday in any later week (same time of day)."""
        if self.earliest is not None and self.earliest == self.latest:
            return replace(self, weekdays=frozenset({self.earliest.weekday()}), latest=None)
        return replace(self, latest=None)

    def relaxations(self) -> list[TimeWish]:
        """Looser wishes to try, in order, when nothing fits this one: as `widened`; then any
        day from the first one asked (a closed or full day: "demain" on a Saturday gets
        Monday), keeping the time of day; then any time of those days. Days ruled out stay
        out. Only the ones that differ from the wish and from each other."""
        later = replace(self.widened(), weekdays=frozenset())  # "pas le mercredi" still holds
        steps = [self.widened(), later,
                 replace(later, time_from=None, time_to=None, around=None)]
        found: list[TimeWish] = []
        for step in steps:
            if step != self and step not in found:
                found.append(step)
        return found


def propose(
    session: Session,
    practice: PracticeConfig,
    appointment_type: str,
    *,
    practitioner: str | None = None,
    wish: TimeWish,
    conversation_id: str,
    after: dt.datetime | None = None,
    round_number: int = 1,
    now: dt.datetime | None = None,
) -> list[HeldSlot]:
    """Find and hold up to `PROPOSALS` slots that fit the wish, spread out.

    The proposals fall on distinct half-days where possible, else at least `PROPOSALS_APART`
    from each other; when the caller asked for a time, the closest to it are chosen. They
    replace the conversation's earlier holds.

    Args:
        session: a database session (each hold is committed here).
        practice: the practice configuration.
        appointment_type: the appointment type id.
        practitioner: only this practitioner (default: anyone who gives the type).
        wish: when the caller would come.
        conversation_id: the call SID (or chat id) the holds belong to.
        after: only slots starting after this instant (aware): the latest start of the
            previous round, when the caller asked for others.
        round_number: which round of proposals this is (1 for the first); beyond `MAX_ROUNDS`
            nothing more is proposed.
        now: the current instant (tests).

    Returns:
        The held proposals, earliest first; empty when nothing (more) fits, and then the
        conversation holds nothing.

    Raises:
        UnknownReferenceError, NotOfferedError: as `search_slots`.
    """
    now = now or utcnow()
    if round_number > MAX_ROUNDS:
        release_holds(session, conversation_id)
        return []
    tz = practice.tz
    after_day = after.astimezone(tz).date() if after is not None else None
    found = search_slots(
        session,
        practice,
        appointment_type,
        practitioner=practitioner,
        earliest=max(filter(None, (wish.earliest, after_day)), default=None),
        latest=wish.latest,
        weekdays=wish.weekdays or None,
        asap=not wish.flexible,
        spread=False,
        limit=SEARCH_POOL,
        conversation_id=conversation_id,
        now=now,
    )
    fitting = [
        s for s in found if wish.accepts(s.start, tz) and (after is None or s.start > after)
    ]
    return hold_slots(
        session, practice, _spread(fitting, wish.around, tz), conversation_id=conversation_id,
        now=now,
    )


def _spread(slots: list[Slot], around: dt.time | None, tz: dt.tzinfo) -> list[Slot]:
    """Up to `PROPOSALS` slots, on distinct half-days where possible, else `PROPOSALS_APART`
    apart; closest to ``around`` first (day by day) when a time was asked."""

    def local(slot: Slot) -> dt.datetime:
        return slot.start.astimezone(tz)

    if around is not None:
        target = around.hour * 60 + around.minute
        slots = sorted(
            slots,
            key=lambda s: (local(s).date(), abs(local(s).hour * 60 + local(s).minute - target)),
        )
    picked: list[Slot] = []
    seen: set[tuple[dt.date, bool]] = set()
    for slot in slots:
        half_day = (local(slot).date(), local(slot).time() < AFTERNOON_STARTS)
        if half_day not in seen:
            seen.add(half_day)
            picked.append(slot)
        if len(picked) == PROPOSALS:
            return sorted(picked, key=lambda s: s.start)
    for slot in slots:
        if all(abs(slot.start - other.start) >= PROPOSALS_APART for other in picked):
            picked.append(slot)
        if len(picked) == PROPOSALS:
            break
    return sorted(picked, key=lambda s: s.start)
