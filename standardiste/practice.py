"""The practice configuration (`config/practice.yaml`): its schema, loading and error messages.

Validation errors name the file, the field path and why, e.g.
``config/practice.yaml: practitioners[1].hours.tuesday[0]: end 12:00 is before start 14:00``.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_SLUG = r"^[a-z0-9][a-z0-9_-]*$"
_PHONE = re.compile(r"^\+?[0-9 .]{2,20}$")


class ConfigError(Exception):
    """A practice configuration that cannot be used, with one line per problem."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeRange(_Strict):
    """A span of one day, local wall-clock time, end excluded."""

    start: dt.time
    end: dt.time

    @field_validator("start", "end")
    @classmethod
    def _wall_clock(cls, value: dt.time) -> dt.time:
        # "09:00+01:00" would parse, then fail every comparison with a wall-clock time.
        if value.tzinfo is not None:
            raise ValueError("a wall-clock time without offset (the practice's timezone applies)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end:%H:%M} is before start {self.start:%H:%M}"
                if self.end < self.start
                else f"end {self.end:%H:%M} equals start {self.start:%H:%M}"
            )
        return self

    def contains(self, moment: dt.time) -> bool:
        """True when ``moment`` falls inside the range."""
        return self.start <= moment < self.end


class WeeklyHours(_Strict):
    """Opening ranges for each day of the week; a missing day is closed."""

    monday: list[TimeRange] = Field(default_factory=list)
    tuesday: list[TimeRange] = Field(default_factory=list)
    wednesday: list[TimeRange] = Field(default_factory=list)
    thursday: list[TimeRange] = Field(default_factory=list)
    friday: list[TimeRange] = Field(default_factory=list)
    saturday: list[TimeRange] = Field(default_factory=list)
    sunday: list[TimeRange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_overlap(self) -> WeeklyHours:
        for day in WEEKDAYS:
            ranges = sorted(getattr(self, day), key=lambda r: r.start)
            for before, after in pairwise(ranges):
                if after.start < before.end:
                    raise ValueError(
                        f"{day}: {after.start:%H:%M}-{after.end:%H:%M} overlaps "
                        f"{before.start:%H:%M}-{before.end:%H:%M}"
                    )
        return self

    def for_weekday(self, weekday: int) -> list[TimeRange]:
        """The ranges of a weekday (0 = Monday), in order."""
        return sorted(getattr(self, WEEKDAYS[weekday]), key=lambda r: r.start)

    def contains(self, local: dt.datetime) -> bool:
        """True when the local wall-clock moment is inside one of the day's ranges."""
        return any(r.contains(local.time()) for r in self.for_weekday(local.weekday()))

    def is_empty(self) -> bool:
        """True when no day has any range."""
        return not any(getattr(self, day) for day in WEEKDAYS)

    @classmethod
    def union(cls, schedules: list[WeeklyHours]) -> WeeklyHours:
        """The merged hours of several schedules (overlapping ranges are joined)."""
        merged: dict[str, list[TimeRange]] = {}
        for day in WEEKDAYS:
            ranges = sorted((r for s in schedules for r in getattr(s, day)), key=lambda r: r.start)
            out: list[TimeRange] = []
            for r in ranges:
                if out and r.start <= out[-1].end:
                    last = out.pop()
                    r = TimeRange(start=last.start, end=max(last.end, r.end))
                out.append(r)
            merged[day] = out
        return cls(**merged)


class PracticeInfo(_Strict):
    """Who the practice is, as the caller hears it."""

    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    phone: str
    timezone: str = "Europe/Paris"
    access: str = ""
    """How to come (public transport, parking, floor); read to callers who ask."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError(f"{value!r} is not a phone number")
        return value


class Practitioner(_Strict):
    """One practitioner and when they see patients."""

    id: Annotated[str, Field(pattern=_SLUG)]
    name: str = Field(min_length=1)
    """As said to callers, e.g. ``Docteur Claire Martin``."""
    specialty: str = "médecin généraliste"
    hours: WeeklyHours


class AppointmentType(_Strict):
    """A kind of appointment: French label, length, who gives it, whether phone may book it."""

    id: Annotated[str, Field(pattern=_SLUG)]
    label: str = Field(min_length=1)
    duration_minutes: int = Field(gt=0, le=480)
    practitioners: list[str] = Field(min_length=1)
    bookable_by_phone: bool = True


class Closure(_Strict):
    """Days the practice (or some practitioners) is closed, both ends included."""

    start: dt.date
    end: dt.date
    practitioners: list[str] | None = None
    """None closes the whole practice."""
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def covers(self, day: dt.date, practitioner: str | None = None) -> bool:
        """True when the closure includes ``day`` for ``practitioner`` (or the whole practice)."""
        if not self.start <= day <= self.end:
            return False
        if self.practitioners is None:
            return True
        return practitioner is not None and practitioner in self.practitioners


class AnsweringMode(StrEnum):
    """When the assistant picks up."""

    OFFICE = "office"
    EXTENDED = "extended"
    ALWAYS = "always"


class OutsideHoursAction(StrEnum):
    """What a caller gets when the assistant is not answering."""

    ANNOUNCEMENT = "announcement"
    MESSAGE = "message"
    TRANSFER = "transfer"


class OutsideHours(_Strict):
    """The behaviour outside answering hours."""

    action: OutsideHoursAction = OutsideHoursAction.MESSAGE
    announcement: str = (
        "Le cabinet est actuellement fermé. En cas d'urgence, appelez le 15 ou le 112."
    )
    transfer_number: str | None = None

    @model_validator(mode="after")
    def _transfer_has_number(self) -> OutsideHours:
        if self.action is OutsideHoursAction.TRANSFER and not self.transfer_number:
            raise ValueError("action 'transfer' needs a transfer_number")
        return self


class Answering(_Strict):
    """When the assistant answers, and what happens outside those hours."""

    mode: AnsweringMode = AnsweringMode.OFFICE
    office_hours: WeeklyHours | None = None
    """The secretariat's hours; defaults to the union of the practitioners' hours."""
    extended_hours: WeeklyHours | None = None
    outside_hours: OutsideHours = Field(default_factory=OutsideHours)
    transfer_number: str | None = None
    """Where "parler au secrétariat" is transferred while the office is staffed."""
    greeting: str | None = None
    """Replaces the default greeting; the automated-assistant disclosure is always added."""

    @model_validator(mode="after")
    def _extended_has_hours(self) -> Answering:
        if self.mode is AnsweringMode.EXTENDED and (
            self.extended_hours is None or self.extended_hours.is_empty()
        ):
            raise ValueError("mode 'extended' needs extended_hours")
        return self


class EmergencyNumbers(_Strict):
    """Numbers read to callers in an emergency."""

    samu: str = "15"
    european: str = "112"
    suicide_prevention: str = "3114"
    deaf_sms: str = "114"


class Retention(_Strict):
    """How long personal data is kept, in days."""

    transcripts_days: int = Field(default=90, ge=1, le=3650)
    recordings_days: int = Field(default=30, ge=1, le=183)
    messages_days: int = Field(default=365, ge=1, le=3650)


class Recording(_Strict):
    """Call recording; off unless the practice enables it and the caller consents."""

    enabled: bool = False


class Booking(_Strict):
    """Rules for appointments taken by phone."""

    hold_minutes: int = Field(default=5, ge=1, le=60)
    min_notice_minutes: int = Field(default=60, ge=0)
    horizon_days: int = Field(default=60, ge=1, le=730)
    slot_step_minutes: int = Field(default=5, ge=5, le=60)


class PracticeConfig(_Strict):
    """The whole of `config/practice.yaml`."""

    version: Literal[1] = 1
    practice: PracticeInfo
    practitioners: list[Practitioner] = Field(min_length=1)
    appointment_types: list[AppointmentType] = Field(min_length=1)
    closures: list[Closure] = Field(default_factory=list)
    answering: Answering = Field(default_factory=Answering)
    emergency: EmergencyNumbers = Field(default_factory=EmergencyNumbers)
    retention: Retention = Field(default_factory=Retention)
    recording: Recording = Field(default_factory=Recording)
    booking: Booking = Field(default_factory=Booking)

    @model_validator(mode="after")
    def _references(self) -> PracticeConfig:
        ids = [p.id for p in self.practitioners]
        _unique("practitioners", ids)
        _unique("appointment_types", [t.id for t in self.appointment_types])
        known = set(ids)
        for i, kind in enumerate(self.appointment_types):
            for j, pid in enumerate(kind.practitioners):
                if pid not in known:
                    raise _PathError(
                        f"appointment_types[{i}].practitioners[{j}]",
                        f"unknown practitioner {pid!r} (known: {', '.join(ids)})",
                    )
        for i, closure in enumerate(self.closures):
            for j, pid in enumerate(closure.practitioners or []):
                if pid not in known:
                    raise _PathError(
                        f"closures[{i}].practitioners[{j}]", f"unknown practitioner {pid!r}"
                    )
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The practice timezone."""
        return ZoneInfo(self.practice.timezone)

    @property
    def office_hours(self) -> WeeklyHours:
        """The secretariat's hours, or the union of the practitioners' hours."""
        if self.answering.office_hours is not None:
            return self.answering.office_hours
        return WeeklyHours.union([p.hours for p in self.practitioners])

    def practitioner(self, practitioner_id: str) -> Practitioner:
        """The practitioner with this id (KeyError when unknown)."""
        for p in self.practitioners:
            if p.id == practitioner_id:
                return p
        raise KeyError(practitioner_id)


class _PathError(ValueError):
    """A cross-field error that knows the path of the field at fault."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(reason)


def _unique(section: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise _PathError(f"{section}[{i}].id", f"duplicate id {item!r}")
        seen.add(item)


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _PathError):
            problems.append(f"{ctx_error.path}: {ctx_error.reason}")
            continue
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(f"{_format_loc(tuple(err['loc']))}: {message}")
    return problems


def parse_practice(data: Any, source: Path | str = "<memory>") -> PracticeConfig:
    """Validate already-loaded YAML data; raises `ConfigError`."""
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): expected a mapping of sections"])
    try:
        return PracticeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc)) from None


def load_practice(path: Path | str) -> PracticeConfig:
    """Read and validate a practice file; raises `ConfigError` naming the file, field and reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["file not found (set STANDARDISTE_CONFIG)"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"byte {exc.start}: not UTF-8 text"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        # One line per problem, as every other error of this file.
        raise ConfigError(path, [f"{where}: {' '.join(str(problem).split())}"]) from None
    except RecursionError:
        raise ConfigError(path, ["YAML: nested too deeply"]) from None
    try:
        return parse_practice(data, _display_path(path))
    except RecursionError:  # e.g. an alias that contains itself
        raise ConfigError(path, ["(top level): a value contains itself"]) from None


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
