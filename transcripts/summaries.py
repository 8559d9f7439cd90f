"""The one-line summary of an inbox message, built from what the dialogue understood."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from core import mask_phone
from transcripts import labels_fr as fr
from transcripts.models import MessageKind

_DETAIL_MAX = 140


@dataclass(frozen=True)
class CallerIdentity:
    """Who called, as far as the dialogue knows."""

    last_name: str | None = None
    first_name: str | None = None
    birth_date: dt.date | None = None
    callback_number: str | None = None
    """E.164 when known (``+33612345678``)."""


def masked_number(number: str) -> str:
    """A callback number as the inbox shows it in lists: ``06 •• •• •• 12``."""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return mask_phone(number)
    if parsed.country_code != 33 or not phonenumbers.is_valid_number(parsed):
        return mask_phone(number)
    groups = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).split()
    if len(groups) < 3:
        return mask_phone(number)
    return " ".join([groups[0], *("••" for _ in groups[1:-1]), groups[-1]])


def identity_text(identity: CallerIdentity) -> str:
    """``DUPONT Marie, né(e) le 12/03/1954``, or that the caller is not identified."""
    names = " ".join(
        part
        for part in (
            identity.last_name.upper() if identity.last_name else None,
            identity.first_name.title() if identity.first_name else None,
        )
        if part
    )
    if not names:
        return fr.UNKNOWN_CALLER
    if identity.birth_date is not None:
        return f"{names}, {fr.BIRTH.format(date=identity.birth_date.strftime('%d/%m/%Y'))}"
    return names


def build_summary(kind: MessageKind, identity: CallerIdentity, details: Mapping[str, Any]) -> str:
    """The summary line: kind, who, what was understood, and the number to call back.

    Args:
        kind: The message kind.
        identity: The caller's identity and callback number.
        details: What the dialogue understood; keys by kind: ``medicines`` (renewal),
            ``certificate_kind`` (certificate), ``topic`` and ``text`` (message),
            ``reason`` (callback), ``category`` (emergency: a safety-net category;
            ``denied`` when the caller said it was no emergency, ``confirmation`` how the
            question was answered),
            ``request`` (book, move, cancel) and ``wish`` (failed booking), ``text`` (SMS);
            ``on_behalf`` when the patient is not the caller (their relation, « fille », or
            True when unsaid); ``interrupted`` for a call that dropped mid-request;
            ``set_aside`` for a request the caller left for another during the call;
            ``transfer_failed`` when the secretariat did not pick up the transfer the caller
            asked for.

            A failed booking may be ``done`` after all (what was done: set aside, then taken
            up again and completed by the assistant).

    Returns:
        One line of French.
    """
    if kind is MessageKind.APPOINTMENT_HANDLED:
        return _done_summary(identity, details)
    parts = [fr.KIND_LABELS[kind], identity_text(identity)]
    detail = _detail(kind, details)
    if detail:
        parts.append(detail)
    on_behalf = details.get("on_behalf")
    if on_behalf:
        # The patient is not the caller: the desk calls back someone else than the patient.
        parts.append(fr.ON_BEHALF.format(relation=on_behalf) if on_behalf is not True
                     else fr.ON_BEHALF_UNSAID)
    if details.get("interrupted"):
        parts.append(fr.INTERRUPTED)
    elif details.get("set_aside"):
        parts.append(fr.SET_ASIDE)
    if details.get("transfer_failed") and kind is not MessageKind.CALLBACK:
        parts.append(fr.TRANSFER_FAILED)  # a callback's reason says it already
    number = identity.callback_number
    parts.append(fr.CALL_BACK.format(number=masked_number(number)) if number else fr.NO_NUMBER)
    return fr.SEPARATOR.join(parts)


def _done_summary(identity: CallerIdentity, details: Mapping[str, Any]) -> str:
    # Nothing left to do: no "non abouti", no number to call back.
    label = fr.BOOKING_DONE.get(str(details.get("request") or "book"), fr.BOOKING_DONE["book"])
    done = _short(str(details.get("done") or ""))
    parts = [label, identity_text(identity), *([done] if done else []), fr.DONE_BY_ASSISTANT]
    return fr.SEPARATOR.join(parts)


def _detail(kind: MessageKind, details: Mapping[str, Any]) -> str:
    if kind is MessageKind.RENEWAL:
        return _short(str(details.get("medicines") or ""))
    if kind is MessageKind.CERTIFICATE:
        value = str(details.get("certificate_kind") or "")
        return fr.CERTIFICATE_LABELS.get(value, value)
    if kind is MessageKind.SICK_LEAVE:
        text = _short(str(details.get("text") or ""))
        return fr.SAID.format(text=text) if text else ""
    if kind is MessageKind.SMS:
        text = _short(str(details.get("text") or ""))
        return fr.SAID.format(text=text) if text else ""
    if kind is MessageKind.MESSAGE:
        topic = fr.TOPIC_LABELS.get(str(details.get("topic") or ""), "")
        text = _short(str(details.get("text") or ""))
        said = fr.SAID.format(text=text) if text else ""
        return " : ".join(p for p in (topic, said) if p)
    if kind is MessageKind.CALLBACK:
        reason = str(details.get("reason") or "")
        return fr.CALLBACK_REASONS.get(reason, reason)
    if kind is MessageKind.EMERGENCY:
        raw = str(details.get("category") or "")
        category = fr.EMERGENCY_CATEGORIES.get(raw, fr.EMERGENCY_UNKNOWN)
        if details.get("denied"):
            return fr.EMERGENCY_DOUBT.format(category=category)
        template = fr.EMERGENCY_DETAIL_SUICIDAL if raw == "suicidal" else fr.EMERGENCY_DETAIL
        said = template.format(category=category)
        if details.get("confirmation") in ("silence", "hangup"):
            return f"{said}{fr.SEPARATOR}{fr.EMERGENCY_UNANSWERED}"
        return said
    if kind is MessageKind.FAILED_BOOKING:
        request = fr.BOOKING_REQUESTS.get(str(details.get("request") or "book"), "")
        wish = _short(str(details.get("wish") or ""))
        if wish:
            return fr.BOOKING_WISH_DETAIL.format(request=request, wish=wish)
        return fr.BOOKING_WISH.format(request=request)
    return ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1].rstrip() + "…"
