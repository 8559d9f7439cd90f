"""The texts part of the settings: which texts the practice sends, and the reminders' lead times."""

from __future__ import annotations

import re
from typing import Any

from core import ConfigError, PracticeConfig, Sms, parse_practice
from staff import labels_sms_fr as fr
from staff.settings_forms import FormProblemsError, FormValues, first

CHECKBOXES = ("sms_confirmations", "sms_reminders", "sms_ready")
MAX_REMINDERS = 4


def sms_fields(config: PracticeConfig) -> dict[str, Any]:
    """The form's values for the current settings."""
    sms = config.sms
    return {
        "sms_confirmations": "1" if sms.confirmations else "",
        "sms_reminders": "1" if sms.reminders else "",
        "sms_ready": "1" if sms.ready else "",
        "sms_reminder_hours": ", ".join(str(h) for h in sms.reminder_hours),
    }


def _lead_times(text: str) -> list[int]:
    parts = [p for p in re.split(r"[,;\s]+|\bet\b", text.replace("h", " ")) if p]
    hours = [int(p) for p in parts if p.isdigit()]
    if len(hours) != len(parts) or len(hours) > MAX_REMINDERS or len(set(hours)) != len(hours):
        raise ValueError(text)
    if any(not 1 <= h <= 336 for h in hours):
        raise ValueError(text)
    return sorted(hours, reverse=True)


def apply_sms(current: PracticeConfig, form: FormValues) -> PracticeConfig:
    """The texts form: three opt-ins and the reminders' lead times (``48, 2``)."""
    problems: list[str] = []
    text = first(form, "sms_reminder_hours")
    try:
        hours = _lead_times(text)
    except ValueError:
        problems.append(fr.BAD_LEAD_TIMES.format(where=fr.WHERE_LEAD_TIMES, value=text))
        hours = current.sms.reminder_hours
    reminders = bool(first(form, "sms_reminders"))
    if reminders and not hours:
        problems.append(fr.BAD_LEAD_TIMES.format(where=fr.WHERE_LEAD_TIMES, value=text))
    sms = Sms(
        confirmations=bool(first(form, "sms_confirmations")),
        reminders=reminders,
        reminder_hours=hours,
        ready=bool(first(form, "sms_ready")),
    )
    if problems:
        raise FormProblemsError(problems)
    data = current.model_dump(mode="json", exclude_none=True)
    data["sms"] = sms.model_dump(mode="json")
    try:
        return parse_practice(data, "formulaire")
    except ConfigError as exc:
        raise FormProblemsError(exc.problems) from None
