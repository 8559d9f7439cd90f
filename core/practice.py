"""The practice configuration's schema (`config/practice.yaml`): who, when, what may be booked.

Validation errors name the field path and why; `core.practice_loading` adds the file, e.g.
``config/practice.yaml: practitioners[1].hours.tuesday[0]: end 12:00 is before start 14:00``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from core.practice_hours import StrictModel, WeeklyHours

_SLUG = r"^[a-z0-9][a-z0-9_-]*$"
_PHONE = re.compile(r"^\+?[0-9 .]{2,20}$")


class PracticeInfo(StrictModel):
    """Who the practice is, as the caller hears it."""

    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    phone: str
    timezone: str = "Europe/Paris"
    access: str = ""
    """How to come (public transport, parking, floor); read to callers who ask."""
    walk_in: str = ""
    """When the practice sees patients without an appointment, as said after « Le cabinet reçoit
    sans rendez-vous » (« le samedi de 9 heures à 11 heures »); empty: by appointment only."""

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


class Practitioner(StrictModel):
    """One practitioner and when they see patients."""

    id: Annotated[str, Field(pattern=_SLUG)]
    name: str = Field(min_length=1)
    """As said to callers, e.g. ``Docteur Claire Martin``."""
    specialty: str = "médecin généraliste"
    hours: WeeklyHours


class AppointmentType(StrictModel):
    """A kind of appointment: French label, length, who gives it, whether phone may book it."""

    id: Annotated[str, Field(pattern=_SLUG)]
    label: str = Field(min_length=1)
    duration_minutes: int = Field(gt=0, le=480)
    practitioners: list[str] = Field(min_length=1)
    bookable_by_phone: bool = True


class Closure(StrictModel):
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


class OutsideHours(StrictModel):
    """The behaviour outside answering hours."""

    action: OutsideHoursAction = OutsideHoursAction.MESSAGE
    announcement: str | None = None
    """The practice's own words, which must state the emergency numbers (checked with the
    practice's numbers, `PracticeConfig`); None: the catalogue's, which state them."""
    transfer_number: str | None = None

    @model_validator(mode="after")
    def _transfer_has_number(self) -> OutsideHours:
        if self.action is OutsideHoursAction.TRANSFER and not self.transfer_number:
            raise ValueError("action 'transfer' needs a transfer_number")
        return self


class Answering(StrictModel):
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


class EmergencyNumbers(StrictModel):
    """Numbers read to callers in an emergency."""

    samu: str = "15"
    european: str = "112"
    suicide_prevention: str = "3114"
    deaf_sms: str = "114"


class Retention(StrictModel):
    """How long personal data is kept, in days."""

    transcripts_days: int = Field(default=90, ge=1, le=3650)
    recordings_days: int = Field(default=30, ge=1, le=183)
    messages_days: int = Field(default=365, ge=1, le=3650)
    sms_days: int = Field(default=90, ge=1, le=3650)
    """Texts sent and received (number, time, state); opt-outs are kept while they apply."""


class Recording(StrictModel):
    """Call recording; off unless the practice enables it and the caller consents."""

    enabled: bool = False


class Sms(StrictModel):
    """Texts to patients through Twilio Messaging; each kind is off until the practice opts in.

    A text says the date, time, practitioner, address and how to cancel: never the reason for
    the appointment, a medicine or anything about health.
    """

    confirmations: bool = False
    """A text within a minute of a booking, a move or a cancellation (phone, chat or staff)."""
    reminders: bool = False
    reminder_hours: list[int] = Field(default_factory=lambda: [48, 2], max_length=4)
    """Hours before the appointment each reminder is sent."""
    ready: bool = False
    """The secretary's « votre ordonnance / votre certificat est prêt » button in the inbox."""

    @field_validator("reminder_hours")
    @classmethod
    def _lead_times(cls, value: list[int]) -> list[int]:
        for hours in value:
            if not 1 <= hours <= 336:
                raise ValueError(f"{hours} h: a reminder is sent 1 to 336 hours (14 days) ahead")
        if len(set(value)) != len(value):
            raise ValueError("the same lead time is given twice")
        return sorted(value, reverse=True)


class Booking(StrictModel):
    """Rules for appointments taken by phone."""

    hold_minutes: int = Field(default=5, ge=1, le=60)
    min_notice_minutes: int = Field(default=60, ge=0)
    horizon_days: int = Field(default=60, ge=1, le=730)
    slot_step_minutes: int = Field(default=5, ge=5, le=60)


class Statistics(StrictModel):
    """How the statistics page estimates what the assistant saves the practice."""

    minutes_per_call: float = Field(default=4, gt=0, le=60)
    """Staff minutes a call the assistant saw through would have taken."""
_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+|\[[0-9a-f:]+\])(:[0-9]{1,5})?$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class Website(StrictModel):
    """The chat on the practice's own website (the widget its pages embed)."""

    origins: list[str] = Field(default_factory=list)
    """The pages allowed to talk to the chat, as ``https://host[:port]``; none closes it."""
    color: str = "#1d4ed8"
    """The widget's accent colour (``#rrggbb``): its button and header. The text on it is black
    or white, whichever reads better."""
    key: str | None = Field(default=None, pattern=_SLUG)
    """What the embed tag's ``data-practice`` says; by default the practice's name as a slug."""

    @field_validator("origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        origins = []
        for value in values:
            origin = value.strip().lower().removesuffix("/")
            if not _ORIGIN.match(origin):
                raise ValueError(
                    f"{value!r} is not a website origin: scheme and host, with a port if "
                    "needed, and no path (e.g. https://www.cabinet-exemple.fr)"
                )
            origins.append(origin)
        return origins

    @field_validator("color")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour: write it #rrggbb (e.g. #1d4ed8)")
        return value.lower()


class PracticeConfig(StrictModel):
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
    sms: Sms = Field(default_factory=Sms)
    statistics: Statistics | None = None
    """Absent: the page's defaults (absent rather than defaulted, so that settings stored
    before this section existed still equal the practice file)."""
    website: Website = Field(default_factory=Website)

    @model_validator(mode="after")
    def _announcement_states_emergency_numbers(self) -> PracticeConfig:
        # Callers outside hours may be in an emergency: whatever the practice wrote, they hear
        # the numbers to call.
        announcement = self.answering.outside_hours.announcement
        missing = missing_emergency_numbers(announcement or "", self.emergency)
        if announcement and announcement.strip() and missing:
            raise _PathError(
                "answering.outside_hours.announcement",
                f"must state the emergency numbers {' and '.join(missing)} (callers outside "
                "hours must hear them; see emergency.samu and emergency.european)",
            )
        return self

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

    @property
    def website_key(self) -> str:
        """The practice's key in the website's embed tag (``data-practice``)."""
        if self.website.key:
            return self.website.key
        folded = unicodedata.normalize("NFKD", self.practice.name).encode("ascii", "ignore")
        return re.sub(r"[^a-z0-9]+", "-", folded.decode().lower()).strip("-") or "cabinet"

    def practitioner(self, practitioner_id: str) -> Practitioner:
        """The practitioner with this id (KeyError when unknown)."""
        for p in self.practitioners:
            if p.id == practitioner_id:
                return p
        raise KeyError(practitioner_id)


def missing_emergency_numbers(text: str, numbers: EmergencyNumbers) -> list[str]:
    """The emergency numbers (15, 112, or the practice's own) that ``text`` does not state."""
    return [
        number
        for number in (numbers.samu, numbers.european)
        if not re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text)
    ]


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
