"""The catalogue of texts (`texts.fr.yaml`): loaded once, checked, and filled in.

The checks make the catalogue's promises hold for every later edit: each text names only the
fields it is given (so no text can carry a reason or a medicine), texts about a coming
appointment say how to cancel, and everything is GSM-7 (160 characters a segment, not 70).
A wrong file raises `TextsError` naming the file, the key and why.
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from core import PracticeConfig

TEXTS_FILE = Path(__file__).resolve().parent / "texts.fr.yaml"
_APPOINTMENT = frozenset({"practice", "date", "time", "practitioner", "address", "phone"})
FIELDS: dict[str, frozenset[str]] = {
    "booked": _APPOINTMENT,
    "moved": _APPOINTMENT,
    "cancelled": _APPOINTMENT - {"address"},
    "reminder": _APPOINTMENT,
    "ready": frozenset({"practice", "document", "address", "phone"}),
    "nothing_to_cancel": frozenset({"practice", "phone"}),
    "emergency": frozenset({"practice"}),
    "emergency_suicidal": frozenset({"practice"}),
}
"""Each text and the fields it may use."""
SAYS_HOW_TO_CANCEL = ("booked", "moved", "reminder")
CANCEL_WORD = "ANNULER"
DOCUMENTS = ("prescription", "certificate", "document")
# 3GPP TS 23.038: the default alphabet, and the extension table (two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION
# Common characters of names and addresses that GSM-7 lacks, and what is sent instead.
_NEAREST = str.maketrans({
    "ç": "c", "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y",
    "Â": "A", "Ê": "E", "Î": "I", "Ô": "O", "Û": "U", "È": "E", "Ë": "E", "Ï": "I", "À": "A",
    "œ": "oe", "Œ": "OE", "«": '"', "»": '"', "’": "'", "‘": "'", "“": '"', "”": '"',
    "–": "-", "—": "-", "\u00a0": " ", "\u202f": " ", "…": "...",
})


class TextsError(ValueError):
    """The catalogue cannot be used; the message names the file, the key and why."""


@dataclass(frozen=True)
class Texts:
    """The checked catalogue."""

    texts: Mapping[str, str]
    documents: Mapping[str, str]
    weekdays: tuple[str, ...]
    date_format: str
    time_format: str
    time_format_on_the_hour: str

    def render(self, key: str, **values: str) -> str:
        """The text ``key`` filled in, on one line, in GSM-7 characters."""
        text = " ".join(self.texts[key].format_map(values).split())
        return gsm7(text)

    def date(self, moment: dt.datetime) -> str:
        """``mardi 14/04``."""
        return self.date_format.format(
            weekday=self.weekdays[moment.weekday()], day=moment.day, month=moment.month
        )

    def time(self, moment: dt.datetime) -> str:
        """``10h30``, or ``9h`` on the hour."""
        pattern = self.time_format if moment.minute else self.time_format_on_the_hour
        return pattern.format(hour=moment.hour, minute=moment.minute)

    def appointment_values(
        self, practice: PracticeConfig, start: dt.datetime, practitioner: str
    ) -> dict[str, str]:
        """The fields of a text about an appointment (``start`` in any zone)."""
        local = start.astimezone(practice.tz)
        return {
            **practice_values(practice),
            "date": self.date(local),
            "time": self.time(local),
            "practitioner": practitioner,
        }


def practice_values(practice: PracticeConfig) -> dict[str, str]:
    """The practice's name, address and number as texts show them (``04 78 00 00 00``)."""
    return {
        "practice": practice.practice.name,
        "address": practice.practice.address,
        "phone": _national(practice.practice.phone),
    }


def _national(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def gsm7(text: str) -> str:
    """The text with characters outside GSM-7 replaced by the nearest ones (accents dropped)."""
    text = text.translate(_NEAREST)
    if all(c in GSM7 for c in text):
        return text
    out = []
    for c in text:
        if c in GSM7:
            out.append(c)
            continue
        base = unicodedata.normalize("NFKD", c)[0]
        out.append(base if base in GSM7 else "?")
    return "".join(out)


def segments(text: str) -> int:
    """How many SMS segments a GSM-7 text takes (160 alone, 153 each when split)."""
    septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return 1 if septets <= 160 else -(-septets // 153)


def _fields(where: str, text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise TextsError(f"{where}: {exc}") from None


def _check_gsm7(where: str, text: str) -> None:
    outside = sorted({c for c in text if c not in GSM7})
    if outside:
        raise TextsError(f"{where}: not GSM-7: {' '.join(outside)} (see the file's header)")


def _mapping(source: str, document: Any, key: str) -> Mapping[str, Any]:
    value = document.get(key)
    if not isinstance(value, dict):
        raise TextsError(f"{source}: {key}: expected a mapping")
    return value


def parse_texts(document: Any, source: str = "<memory>") -> Texts:
    """Check a loaded catalogue; raises `TextsError`."""
    if not isinstance(document, dict):
        raise TextsError(f"{source}: expected a mapping")
    texts = _mapping(source, document, "texts")
    for key in sorted(set(FIELDS) - set(texts)):
        raise TextsError(f"{source}: texts.{key}: missing")
    for key, text in texts.items():
        where = f"{source}: texts.{key}"
        if key not in FIELDS:
            raise TextsError(f"{where}: unknown text (known: {', '.join(FIELDS)})")
        if not isinstance(text, str) or not text.strip():
            raise TextsError(f"{where}: expected some text")
        unknown = _fields(where, text) - FIELDS[key]
        if unknown:
            raise TextsError(
                f"{where}: uses {', '.join(sorted(unknown))}; it may use only "
                f"{', '.join(sorted(FIELDS[key]))}"
            )
        if key in SAYS_HOW_TO_CANCEL and CANCEL_WORD not in text:
            raise TextsError(f"{where}: must say how to cancel ({CANCEL_WORD})")
        _check_gsm7(where, text)
    documents = _mapping(source, document, "documents")
    if set(documents) != set(DOCUMENTS):
        raise TextsError(f"{source}: documents: expected exactly {', '.join(DOCUMENTS)}")
    weekdays = document.get("weekdays")
    if not isinstance(weekdays, list) or len(weekdays) != 7:
        raise TextsError(f"{source}: weekdays: expected the seven days, Monday first")
    formats = {}
    for key, names in (
        ("date_format", {"weekday", "day", "month"}),
        ("time_format", {"hour", "minute"}),
        ("time_format_on_the_hour", {"hour"}),
    ):
        value = document.get(key)
        if not isinstance(value, str) or not _fields(f"{source}: {key}", value) <= names:
            raise TextsError(f"{source}: {key}: a text using only {', '.join(sorted(names))}")
        formats[key] = value
    for where, value in [
        *((f"documents.{k}", str(v)) for k, v in documents.items()),
        *((f"weekdays[{i}]", str(v)) for i, v in enumerate(weekdays)),
        *formats.items(),
    ]:
        _check_gsm7(f"{source}: {where}", value)
    return Texts(
        texts={k: " ".join(str(v).split()) for k, v in texts.items()},
        documents={k: str(v) for k, v in documents.items()},
        weekdays=tuple(str(d) for d in weekdays),
        date_format=formats["date_format"],
        time_format=formats["time_format"],
        time_format_on_the_hour=formats["time_format_on_the_hour"],
    )


def load_texts(path: Path = TEXTS_FILE) -> Texts:
    """Read and check a catalogue file; raises `TextsError`."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TextsError(f"{path}: {' '.join(str(exc).split())}") from None
    return parse_texts(document, str(path))


@cache
def texts() -> Texts:
    """The product's catalogue (read and checked once per process)."""
    return load_texts()
