"""Facebook's Duckling, in process: the times and dates a French sentence mentions.

The `pyduckling-native-phihos` wheel embeds Duckling's Haskell parser as a native module (no
server). It reads "jeudi prochain vers 10 heures 30", "huit heures ce soir", "le lendemain",
"au début du mois" against a reference moment and a timezone, and says where in the text each
mention is. What a mention means for a booking (exclusions, parts of the day, future-only
choices) is `dialogue.french.time_preference`'s job, not this module's.

Duckling's calls are safe from several threads (tried here: 200 parses on 4 threads); the time
zone database and the locale are loaded once per process (about 0.5 s).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckling

__all__ = ["Mention", "time_mentions"]


class DucklingSetupError(RuntimeError):
    """Duckling cannot run here (no system time zone database)."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One time expression Duckling found.

    Attributes:
        start: Offset of its first character in the parsed text.
        end: Offset just past its last character.
        text: The parsed text's own slice (Duckling's ``body`` is mis-decoded for accents).
        grain: The finest unit said: "minute", "hour", "day", "week", "month", "year".
        begin: The moment it starts (an instant's value, an interval's start), or None for an
            interval open at the start ("avant jeudi").
        until: An interval's end, exclusive, or None (an instant, or "à partir de lundi").
        interval: Whether Duckling read an interval.
        alternatives: The next occurrences Duckling lists for an instant (each coming
            Thursday, 10:30 and 22:30), the first being ``begin``.
    """

    start: int
    end: int
    text: str
    grain: str
    begin: dt.datetime | None
    until: dt.datetime | None
    interval: bool
    alternatives: tuple[dt.datetime, ...] = ()


@dataclass(frozen=True)
class _Engine:
    zones: Any
    locale: Any
    dimensions: list[Any]


@cache
def _engine() -> _Engine:
    folder = next((Path(p) for p in zoneinfo.TZPATH if Path(p, "Europe").is_dir()), None)
    if folder is None:
        raise DucklingSetupError(
            "no time zone database in any of " + ", ".join(zoneinfo.TZPATH)
            + ": install the system package tzdata"
        )
    language = duckling.parse_lang("FR")
    return _Engine(
        zones=duckling.load_time_zones(str(folder)),
        locale=duckling.parse_locale("FR_FR", duckling.default_locale_lang(language)),
        dimensions=duckling.parse_dimensions(["time"]),
    )


def time_mentions(text: str, now: dt.datetime, timezone: str) -> list[Mention]:
    """The time expressions in ``text``, resolved against ``now`` in ``timezone``.

    Args:
        text: Normalised text (numbers as digits is fine: "le 12 mars à 10 heures 30").
        now: The reference moment (aware).
        timezone: An IANA name ("Europe/Paris"); mentions come back in that zone.

    Returns:
        The mentions in text order; latent guesses (a bare "7") are left out.
    """
    if not text.strip():
        return []
    engine = _engine()
    reference = duckling.parse_ref_time(engine.zones, timezone, int(now.timestamp()))
    context = duckling.Context(reference, engine.locale)
    found = duckling.parse(text, context, engine.dimensions, False)
    mentions = [_mention(text, match) for match in found if match.get("dim") == "time"]
    return sorted((m for m in mentions if m is not None), key=lambda m: m.start)


def _mention(text: str, match: dict[str, Any]) -> Mention | None:
    value: dict[str, Any] = match.get("value") or {}
    start, end = int(match["start"]), int(match["end"])
    if value.get("type") == "interval":
        begin, until = value.get("from") or {}, value.get("to") or {}
        grain = str(begin.get("grain") or until.get("grain") or "day")
        return Mention(
            start, end, text[start:end], grain, _moment(begin.get("value")),
            _moment(until.get("value")), interval=True,
        )
    moment = _moment(value.get("value"))
    if moment is None:
        return None
    alternatives = tuple(
        m for m in (_moment(v.get("value")) for v in value.get("values") or []) if m is not None
    )
    return Mention(
        start, end, text[start:end], str(value.get("grain") or "day"), moment, None,
        interval=False, alternatives=alternatives or (moment,),
    )


def _moment(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
