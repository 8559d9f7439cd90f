"""Slot search: the agenda's one answer to "when could I come?".

The search walks the days of the window in order, lists the starts each practitioner's hours
allow, drops those that are past the minimum notice, outside the asked part of the day, or that
overlap a booked or held granule, and picks proposals SPREAD over the window: the first free
slot, then the first free slot of each following half-day (or day), so that a caller hears
"mardi 9 h, mardi 14 h 30, mercredi 10 h" rather than three quarter-hours of one morning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agenda.errors import InvalidSlotError, NotOfferedError, UnknownReferenceError
from agenda.models import AppointmentType, Practitioner
from agenda.occupancy import busy_minutes
from agenda.results import Slot
from agenda.schedule import Schedule, step_minutes
from agenda.timegrid import (
    AFTERNOON_STARTS,
    GRANULE_MINUTES,
    PART_OF_DAY_HOURS,
    PartOfDay,
    ceil_granule,
    from_minute,
    local_instant,
    on_grid,
    to_minute,
    utcnow,
)
from core import PracticeConfig

DEFAULT_LIMIT = 3
# When the window has fewer half-days than proposals wanted, extra proposals in one half-day
# are at least this far from each other before falling back to any free time.
SPREAD_GAP_MINUTES = 60
# Busy granules are first read for this many days, then for spans that double.
_FIRST_READ_DAYS = 2


class _Candidate(NamedTuple):
    minute: int
    rank: int
    practitioner: Practitioner
    day: dt.date
    afternoon: bool


class _BusyReader:
    """Busy granules read lazily, a growing span of days at a time (2, then 4, 8... days).

    Most searches end within their first two days, so they read only those.
    """

    def __init__(
        self,
        session: Session,
        practitioner_ids: list[str],
        tz: ZoneInfo,
        first_day: dt.date,
        now: dt.datetime,
        conversation_id: str | None,
    ) -> None:
        self._args = (session, practitioner_ids)
        self._tz = tz
        self._first = first_day
        self._until = first_day
        self._now = now
        self._conversation = conversation_id
        self._busy: dict[str, set[int]] = {pid: set() for pid in practitioner_ids}

    def of(self, practitioner_id: str, day: dt.date) -> set[int]:
        """The busy granules of a practitioner, read far enough to cover ``day``."""
        while day >= self._until:
            size = max(_FIRST_READ_DAYS, (self._until - self._first).days)
            end = self._until + dt.timedelta(days=size)
            found = busy_minutes(
                *self._args,
                to_minute(local_instant(self._until, dt.time(0), self._tz)),
                to_minute(local_instant(end, dt.time(0), self._tz)),
                self._now,
                self._conversation,
            )
            for pid, minutes in found.items():
                self._busy[pid] |= minutes
            self._until = end
        return self._busy[practitioner_id]


def offered(
    session: Session,
    appointment_type_id: str,
    practitioner_id: str | None = None,
    *,
    for_phone: bool = True,
) -> tuple[AppointmentType, list[Practitioner]]:
    """The active type and the active practitioners who give it (optionally only one).

    Raises:
        UnknownReferenceError: unknown or retired type or practitioner.
        NotOfferedError: the practitioner does not give the type, or the phone may not book it.
    """
    kind = session.get(AppointmentType, appointment_type_id)
    if kind is None or not kind.active:
        raise UnknownReferenceError(f"unknown appointment type {appointment_type_id!r}")
    if for_phone and not kind.bookable_by_phone:
        raise NotOfferedError(f"{appointment_type_id!r} cannot be booked by phone")
    people = [p for p in kind.practitioners if p.active]
    if practitioner_id is not None:
        chosen = session.get(Practitioner, practitioner_id)
        if chosen is None or not chosen.active:
            raise UnknownReferenceError(f"unknown practitioner {practitioner_id!r}")
        people = [p for p in people if p.id == practitioner_id]
        if not people:
            raise NotOfferedError(f"{practitioner_id!r} does not give {appointment_type_id!r}")
    return kind, people


def search_slots(
    session: Session,
    practice: PracticeConfig,
    appointment_type: str,
    *,
    practitioner: str | None = None,
    earliest: dt.date | None = None,
    latest: dt.date | None = None,
    weekdays: Iterable[int] | None = None,
    part_of_day: PartOfDay | None = None,
    asap: bool = True,
    spread: bool = True,
    limit: int = DEFAULT_LIMIT,
    conversation_id: str | None = None,
    for_phone: bool = True,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Up to ``limit`` free slots of a type, spread over the window, in chronological order.

    Respects opening hours, durations, appointments, live holds of other conversations,
    closures, French public holidays, the minimum notice and the booking horizon, in the
    practice timezone.

    Args:
        session: a database session.
        practice: the practice configuration (timezone and booking rules).
        appointment_type: the appointment type id.
        practitioner: only this practitioner (default: anyone who gives the type).
        earliest: first local date to consider (default today).
        latest: last local date to consider (default: the end of the booking horizon).
        weekdays: only these weekdays (0 = Monday).
        part_of_day: only starts in this part of the day.
        asap: spread over half-days from the first free slot (the default); when False,
            spread over distinct days, for a caller who is flexible.
        spread: False lists every free slot in order (staff screens, FHIR clients).
        limit: how many slots at most.
        conversation_id: the caller's conversation; its own holds do not hide slots.
        for_phone: refuse types not bookable by phone (False for staff).
        now: the current instant (tests).

    Returns:
        The proposals, earliest first; empty when nothing is free.

    Raises:
        UnknownReferenceError: unknown type or practitioner.
        NotOfferedError: the type is not offered by that practitioner or by phone.
    """
    now = now or utcnow()
    kind, people = offered(session, appointment_type, practitioner, for_phone=for_phone)
    if limit <= 0 or not people:
        return []
    tz = practice.tz
    rules = practice.booking
    today = now.astimezone(tz).date()
    first_day = max(today, earliest or today)
    last_day = today + dt.timedelta(days=rules.horizon_days)
    if latest is not None:
        last_day = min(last_day, latest)
    if first_day > last_day:
        return []
    days = set(weekdays) if weekdays is not None else None
    window = PART_OF_DAY_HOURS[part_of_day] if part_of_day is not None else None
    not_before = to_minute(now) + rules.min_notice_minutes
    ids = [p.id for p in people]
    schedule = Schedule(session, ids, tz, first_day, last_day)
    if not schedule.may_have_starts(kind.duration_minutes, window, days):
        return []
    step = step_minutes(rules.slot_step_minutes)
    occupied = ceil_granule(kind.duration_minutes)
    busy = _BusyReader(session, ids, tz, first_day, now, conversation_id)

    def candidates() -> Iterator[_Candidate]:
        day = first_day
        while day <= last_day:
            if (days is None or day.weekday() in days) and not schedule.is_closed(day):
                afternoon = to_minute(local_instant(day, AFTERNOON_STARTS, tz))
                found: list[_Candidate] = []
                for rank, person in enumerate(people):
                    starts = [
                        m
                        for m in schedule.starts(
                            person.id, day, kind.duration_minutes, step, window
                        )
                        if m >= not_before
                    ]
                    if not starts:
                        continue
                    taken = busy.of(person.id, day)
                    for minute in starts:
                        if any(
                            m in taken for m in range(minute, minute + occupied, GRANULE_MINUTES)
                        ):
                            continue
                        found.append(_Candidate(minute, rank, person, day, minute >= afternoon))
                yield from sorted(found, key=lambda c: (c.minute, c.rank))
            day += dt.timedelta(days=1)

    def key(candidate: _Candidate) -> Hashable:
        if not spread:
            return (candidate.minute, candidate.rank)
        return (candidate.day, candidate.afternoon) if asap else candidate.day

    picked = pick_spread(candidates(), limit, key)
    duration = dt.timedelta(minutes=kind.duration_minutes)
    return [
        Slot(
            practitioner_id=c.practitioner.id,
            practitioner_name=c.practitioner.name,
            appointment_type_id=kind.id,
            appointment_type_label=kind.label,
            start=from_minute(c.minute).astimezone(tz),
            end=from_minute(c.minute).astimezone(tz) + duration,
        )
        for c in picked
    ]


def pick_spread(
    candidates: Iterable[_Candidate], limit: int, key: Callable[[_Candidate], Hashable]
) -> list[_Candidate]:
    """Pick up to ``limit`` chronological candidates, one per ``key`` first, then widen.

    Stops reading candidates as soon as ``limit`` distinct keys were seen, so that a search over
    a long window costs what its first free half-days cost.
    """
    picked: list[_Candidate] = []
    seen: set[Hashable] = set()
    rest: list[_Candidate] = []
    for candidate in candidates:
        k = key(candidate)
        if k in seen:
            rest.append(candidate)
            continue
        seen.add(k)
        picked.append(candidate)
        if len(picked) == limit:
            return picked
    for candidate in rest:
        if len(picked) == limit:
            break
        if all(abs(candidate.minute - p.minute) >= SPREAD_GAP_MINUTES for p in picked):
            picked.append(candidate)
    chosen = {(c.minute, c.practitioner.id) for c in picked}
    for candidate in rest:
        if len(picked) == limit:
            break
        if (candidate.minute, candidate.practitioner.id) not in chosen:
            picked.append(candidate)
            chosen.add((candidate.minute, candidate.practitioner.id))
    return sorted(picked, key=lambda c: (c.minute, c.rank))


def check_offered_slot(
    session: Session,
    practice: PracticeConfig,
    *,
    practitioner_id: str,
    appointment_type_id: str,
    start: dt.datetime,
    now: dt.datetime,
    for_phone: bool = True,
) -> AppointmentType:
    """Check that ``start`` is a time the search could propose (busy or not).

    Returns:
        The appointment type.

    Raises:
        UnknownReferenceError, NotOfferedError: as `offered`.
        InvalidSlotError: off the grid, too soon, beyond the horizon, or outside the hours.
    """
    kind, _ = offered(session, appointment_type_id, practitioner_id, for_phone=for_phone)
    if start.tzinfo is None or not on_grid(start):
        raise InvalidSlotError("a slot starts on the 5-minute grid, with a timezone")
    tz = practice.tz
    minute = to_minute(start)
    if minute < to_minute(now) + practice.booking.min_notice_minutes:
        raise InvalidSlotError("slot is within the minimum notice")
    day = start.astimezone(tz).date()
    if day > now.astimezone(tz).date() + dt.timedelta(days=practice.booking.horizon_days):
        raise InvalidSlotError("slot is beyond the booking horizon")
    schedule = Schedule(session, [practitioner_id], tz, day, day)
    step = step_minutes(practice.booking.slot_step_minutes)
    if minute not in set(schedule.starts(practitioner_id, day, kind.duration_minutes, step)):
        raise InvalidSlotError("slot is outside the practitioner's hours or on a closed day")
    return kind
