"""The settings forms, read into a new `PracticeConfig` (pure functions, no I/O).

Each form changes one part of the current settings and leaves the rest as it is. Problems come
back in French, one line each, naming the field; nothing is saved while any remains.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import phonenumbers

from core import (
    WEEKDAYS,
    ConfigError,
    PracticeConfig,
    WeeklyHours,
    missing_emergency_numbers,
    parse_practice,
)
from staff import labels_fr as fr

FormValues = Mapping[str, Sequence[str]]
"""A submitted form: each field's values, in order (checkboxes repeat)."""

GREETING_MAX = 500
ANNOUNCEMENT_MAX = 500
_TIME = r"(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?"
_RANGE = re.compile(rf"^{_TIME}\s*(?:-|–|—|à)\s*{_TIME}$")


class FormProblemsError(ValueError):
    """The form cannot be saved; ``problems`` says why, in French."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def first(form: FormValues, name: str, default: str = "") -> str:
    """A field's first value, stripped."""
    values = form.get(name) or []
    return values[0].strip() if values else default


def _time(hours: str, minutes: str | None) -> dt.time | None:
    h, m = int(hours), int(minutes or 0)
    if h == 24 and m == 0:
        return dt.time(23, 59)
    if not (0 <= h < 24 and 0 <= m < 60):
        return None
    return dt.time(h, m)


def parse_ranges(text: str, where: str) -> list[dict[str, str]]:
    """``08:30-12:00, 14h-19h`` → time ranges as the schema stores them; empty means closed.

    Raises:
        FormProblemsError: a part is not a range, or ends before it starts, or two overlap.
    """
    ranges: list[tuple[dt.time, dt.time]] = []
    for part in re.split(r"[,;/]|\bet\b", text):
        part = part.strip()
        if not part:
            continue
        match = _RANGE.match(part)
        start = _time(match.group(1), match.group(2)) if match else None
        end = _time(match.group(3), match.group(4)) if match else None
        if start is None or end is None:
            raise FormProblemsError([fr.BAD_RANGES.format(where=where, value=part)])
        if end <= start:
            raise FormProblemsError(
                [fr.BAD_RANGE_ORDER.format(where=where, start=f"{start:%H:%M}", end=f"{end:%H:%M}")]
            )
        ranges.append((start, end))
    ranges.sort()
    for (_, before_end), (after_start, _) in pairwise(ranges):
        if after_start < before_end:
            raise FormProblemsError([fr.OVERLAPPING_RANGES.format(where=where)])
    return [{"start": f"{s:%H:%M}", "end": f"{e:%H:%M}"} for s, e in ranges]


def format_ranges(hours: WeeklyHours | None, day: str) -> str:
    """The text a day's ranges are edited as: ``08:30-12:00, 14:00-19:00``."""
    if hours is None:
        return ""
    ranges = hours.for_weekday(WEEKDAYS.index(day))
    return ", ".join(f"{r.start:%H:%M}-{r.end:%H:%M}" for r in ranges)


def _weekly(form: FormValues, prefix: str, where: str, problems: list[str]) -> dict[str, Any]:
    days: dict[str, Any] = {}
    for day in WEEKDAYS:
        label = where.format(day=fr.WEEKDAY_LABELS[day])
        try:
            days[day] = parse_ranges(first(form, f"{prefix}_{day}"), label)
        except FormProblemsError as exc:
            problems.extend(exc.problems)
    return days


def normalise_phone_field(value: str, where: str, problems: list[str]) -> str | None:
    """A phone number as ``+33 4 78 00 00 01``, None when empty; a problem when unreadable."""
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        problems.append(fr.BAD_PHONE.format(where=where, value=value))
        return None
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return str(formatted).replace("-", " ")


def _text(form: FormValues, name: str, where: str, limit: int, problems: list[str]) -> str:
    value = " ".join(first(form, name).split())
    if len(value) > limit:
        problems.append(fr.TOO_LONG.format(where=where, limit=limit))
    return value


def _document(current: PracticeConfig) -> dict[str, Any]:
    return current.model_dump(mode="json", exclude_none=True)


def _validated(data: dict[str, Any], problems: list[str]) -> PracticeConfig:
    if problems:
        raise FormProblemsError(problems)
    try:
        return parse_practice(data, "formulaire")
    except ConfigError as exc:
        raise FormProblemsError(exc.problems) from None


def apply_answering(current: PracticeConfig, form: FormValues) -> PracticeConfig:
    """The answering form: mode, outside-hours action, transfer numbers, greeting."""
    problems: list[str] = []
    data = _document(current)
    answering = data.setdefault("answering", {})
    mode = first(form, "mode")
    if mode not in fr.ANSWERING_MODE_LABELS:
        problems.append(fr.UNKNOWN_MODE)
    answering["mode"] = mode
    action = first(form, "outside_action")
    if action not in fr.OUTSIDE_ACTION_LABELS:
        problems.append(fr.UNKNOWN_MODE)
    outside: dict[str, Any] = {"action": action}
    announcement = _text(form, "announcement", fr.WHERE_ANNOUNCEMENT, ANNOUNCEMENT_MAX, problems)
    if announcement:
        outside["announcement"] = announcement
        numbers = current.emergency
        missing = missing_emergency_numbers(announcement, numbers)
        if missing:
            problems.append(fr.ANNOUNCEMENT_NEEDS_NUMBERS.format(
                where=fr.WHERE_ANNOUNCEMENT, numbers=" et ".join(missing),
                samu=numbers.samu, european=numbers.european,
            ))
    outside_number = normalise_phone_field(
        first(form, "outside_transfer_number"), fr.WHERE_OUTSIDE_TRANSFER, problems
    )
    if outside_number:
        outside["transfer_number"] = outside_number
    elif action == "transfer":
        problems.append(fr.TRANSFER_NEEDS_NUMBER)
    answering["outside_hours"] = outside
    transfer = normalise_phone_field(first(form, "transfer_number"), fr.WHERE_TRANSFER, problems)
    _set_or_drop(answering, "transfer_number", transfer)
    greeting = _text(form, "greeting", fr.WHERE_GREETING, GREETING_MAX, problems)
    _set_or_drop(answering, "greeting", greeting or None)
    if mode == "extended" and not any(answering.get("extended_hours", {}).values()):
        problems.append(fr.EXTENDED_NEEDS_HOURS)
    return _validated(data, problems)


def apply_hours(current: PracticeConfig, form: FormValues) -> PracticeConfig:
    """The hours form: secretariat hours, extended hours, each practitioner's week."""
    problems: list[str] = []
    data = _document(current)
    answering = data.setdefault("answering", {})
    if first(form, "office_custom"):
        answering["office_hours"] = _weekly(form, "office", fr.WHERE_OFFICE, problems)
    else:
        answering.pop("office_hours", None)
    extended = _weekly(form, "extended", fr.WHERE_EXTENDED, problems)
    if any(extended.values()):
        answering["extended_hours"] = extended
    else:
        answering.pop("extended_hours", None)
        if answering.get("mode") == "extended":
            problems.append(fr.EXTENDED_NEEDS_HOURS)
    for practitioner in data["practitioners"]:
        where = fr.WHERE_PRACTITIONER.replace("{name}", practitioner["name"])
        practitioner["hours"] = _weekly(form, f"hours_{practitioner['id']}", where, problems)
    return _validated(data, problems)


def _date(value: str, where: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(fr.BAD_DATE.format(where=where))
        return None


def apply_closures(current: PracticeConfig, form: FormValues) -> PracticeConfig:
    """The closures form: remove ticked closures, add the new one when its start is given."""
    problems: list[str] = []
    data = _document(current)
    removed = {int(v) for v in form.get("remove_closure", []) if v.isdigit()}
    closures = [c for i, c in enumerate(data.get("closures", [])) if i not in removed]
    if first(form, "new_start") or first(form, "new_end"):
        start = _date(first(form, "new_start"), fr.WHERE_CLOSURE_START, problems)
        end_text = first(form, "new_end")
        end = _date(end_text, fr.WHERE_CLOSURE_END, problems) if end_text else start
        if start and end and end < start:
            problems.append(fr.CLOSURE_ORDER)
        if start and end:
            closure: dict[str, Any] = {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": " ".join(first(form, "new_reason").split())[:200],
            }
            scope = first(form, "new_scope", "all")
            if scope != "all":
                closure["practitioners"] = [scope]
            closures.append(closure)
    closures.sort(key=lambda c: (c["start"], c["end"]))
    data["closures"] = closures
    return _validated(data, problems)


def apply_booking(current: PracticeConfig, form: FormValues) -> PracticeConfig:
    """The appointment types form: which ones the assistant may book by phone."""
    data = _document(current)
    bookable = set(form.get("bookable", []))
    for kind in data["appointment_types"]:
        kind["bookable_by_phone"] = kind["id"] in bookable
    return _validated(data, [])


def _set_or_drop(section: dict[str, Any], key: str, value: object | None) -> None:
    if value is None:
        section.pop(key, None)
    else:
        section[key] = value
