"""Parts of the day a caller asks for ("le matin", "en fin de journée", "entre midi et deux"),
as windows of start times, fitted to the practice's opening hours when they are known.

Shared by the booking layer (`dialogue.french.time_preference`): the words are read on the flat
text (`dialogue.french.normalize.flat_text`), and what is read is blanked out of what Duckling
sees when Duckling would misread it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum

__all__ = ["FAMILY", "PartOfDay", "hide", "part_exclusion", "parts_said", "shift"]


class PartOfDay(StrEnum):
    """A part of the day a caller may ask for; `window` gives its start times."""

    EARLY_MORNING = "early_morning"
    MORNING = "morning"
    LATE_MORNING = "late_morning"
    NOON = "noon"
    EARLY_AFTERNOON = "early_afternoon"
    AFTERNOON = "afternoon"
    LATE_AFTERNOON = "late_afternoon"
    EVENING = "evening"

    @property
    def window(self) -> tuple[time, time]:
        """First and last start times (inclusive), for a practice open 7:00–21:00."""
        return self.within(None)

    def within(self, opening: tuple[time, time] | None) -> tuple[time, time]:
        """The window fitted to the practice's day: mornings start when it opens, evenings and
        "en fin de journée" end when it closes (``opening``: first opening, last closing)."""
        first, last = _PART_WINDOWS[self]
        if opening is None:
            return first, last
        opens, closes = opening
        if self in (PartOfDay.EARLY_MORNING, PartOfDay.MORNING):
            first = min(first, opens)
            if self is PartOfDay.EARLY_MORNING:
                last = shift(opens, 90)
        if self in (PartOfDay.AFTERNOON, PartOfDay.LATE_AFTERNOON, PartOfDay.EVENING):
            last = max(last, shift(closes, -5))
            if self is PartOfDay.LATE_AFTERNOON:
                first = min(first, shift(closes, -150))
        return first, last


_PART_WINDOWS = {
    PartOfDay.EARLY_MORNING: (time(7), time(9, 59)),
    PartOfDay.MORNING: (time(7), time(11, 59)),
    PartOfDay.LATE_MORNING: (time(10, 30), time(12, 29)),
    PartOfDay.NOON: (time(11, 30), time(13, 59)),
    PartOfDay.EARLY_AFTERNOON: (time(13), time(14, 59)),
    PartOfDay.AFTERNOON: (time(13), time(17, 59)),
    PartOfDay.LATE_AFTERNOON: (time(16), time(18, 59)),
    PartOfDay.EVENING: (time(17), time(21)),
}

# Read on the flat text (accents folded, apostrophes and hyphens as spaces); most specific
# first, so "en fin de matinée" wins over "matin". The noon phrases hold clock words Duckling
# would read as hours: they are taken out of its sight.
# Parts of the day that narrow each other rather than conflict ("le matin, de bonne heure").
FAMILY = {
    PartOfDay.EARLY_MORNING: PartOfDay.MORNING,
    PartOfDay.LATE_MORNING: PartOfDay.MORNING,
    PartOfDay.EARLY_AFTERNOON: PartOfDay.AFTERNOON,
    PartOfDay.LATE_AFTERNOON: PartOfDay.AFTERNOON,
}
_PARTS = tuple(
    (re.compile(pattern), part, hide)
    for pattern, part, hide in (
        (r"\bentre midi et (?:2|deux)\b|\b(?:a )?l heure du dejeuner\b"
         r"|\bpause (?:de )?(?:midi|dejeuner)\b", PartOfDay.NOON, True),
        (r"\b(?:en )?(?:tout )?debut d (?:apres midi|aprem)\b|\bjuste apres (?:le )?dejeuner\b",
         PartOfDay.EARLY_AFTERNOON, True),
        (r"\b(?:en )?fin d (?:apres midi|aprem)\b|\b(?:en )?fin de journee\b",
         PartOfDay.LATE_AFTERNOON, False),
        (r"\b(?:en )?fin de matin(?:ee)?\b", PartOfDay.LATE_MORNING, False),
        (r"\b(?:en )?debut de matinee\b|\btot le matin\b|\bde bon(?:ne)? (?:matin|heure)\b"
         r"|\b(?:premiere|1ere) heure\b", PartOfDay.EARLY_MORNING, True),
        (r"\bapres midi\b|\baprem\b", PartOfDay.AFTERNOON, False),
        (r"\bmatin(?:ee)?s?\b", PartOfDay.MORNING, False),
        (r"\bmidi\b", PartOfDay.NOON, False),
        (r"\bsoir(?:ee)?s?\b", PartOfDay.EVENING, False),
    )
)

_NOT_PART = re.compile(r"\bpas (?:le |l |les |en )?(matin(?:ee)?|apres midi|soir)s?\b")


def hide(pattern: re.Pattern[str], flat: str, hidden: list[str]) -> list[re.Match[str]]:
    """The matches of ``pattern``, blanked out of what Duckling will read."""
    matches = list(pattern.finditer(flat))
    for match in matches:
        hidden[match.start() : match.end()] = [" "] * (match.end() - match.start())
    return matches


def part_exclusion(flat: str, hidden: list[str]) -> PartOfDay | None:
    matches = hide(_NOT_PART, flat, hidden)
    if not matches:
        return None
    said = matches[0].group(1)
    # "Pas le soir" leaves the whole day open: evening slots are rare anyway.
    if said.startswith("soir"):
        return None
    return PartOfDay.MORNING if said == "apres midi" else PartOfDay.AFTERNOON


def parts_said(flat: str, hidden: list[str]) -> list[PartOfDay]:
    found: list[PartOfDay] = []
    spent = flat
    for pattern, part, hide in _PARTS:
        for match in pattern.finditer(spent):
            if "".join(hidden[match.start() : match.end()]).strip():
                found.append(part)
            if hide:
                hidden[match.start() : match.end()] = [" "] * (match.end() - match.start())
        spent = pattern.sub(lambda m: " " * len(m[0]), spent)
    return found


def shift(value: time, minutes: int) -> time:
    moment = datetime.combine(date(2000, 1, 2), value) + timedelta(minutes=minutes)
    if moment.day != 2:
        return time(0) if minutes < 0 else time(23, 59)
    return moment.time()
