"""Weekly opening hours in the practice's wall-clock time: ranges, days, their union."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


class StrictModel(BaseModel):
    """Frozen, and every unknown field an error (a typo in the file must not be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

class TimeRange(StrictModel):
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


class WeeklyHours(StrictModel):
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
