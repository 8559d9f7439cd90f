"""The practitioners' settings pages: answering, hours, closures, bookable types, audit log.

Every save goes through the practice store, which checks that nobody saved in between
(``version`` travels in each form), records who changed what in the audit log, and makes the
change visible to the next call on every gateway instance.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import holidays
import yaml
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

import agenda
from core import WEEKDAYS, AppContext, ContextDep, PracticeConfig, StaleSettingsError
from staff import labels_fr as fr
from staff.auth_web import SettingsSession
from staff.security import with_security_headers
from staff.settings_forms import (
    FormProblemsError,
    FormValues,
    apply_answering,
    apply_booking,
    apply_closures,
    apply_hours,
    first,
    format_ranges,
)
from staff.settings_sms import CHECKBOXES as SMS_CHECKBOXES
from staff.settings_sms import apply_sms, sms_fields
from staff.templating import templates

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/settings", include_in_schema=False)

SECTIONS: dict[str, Callable[[PracticeConfig, FormValues], PracticeConfig]] = {
    "answering": apply_answering,
    "hours": apply_hours,
    "closures": apply_closures,
    "booking": apply_booking,
    "sms": apply_sms,
}
_HOLIDAYS_AHEAD_DAYS = 366


def form_fields(config: PracticeConfig) -> dict[str, Any]:
    """Every settings field's value as the forms show it."""
    answering = config.answering
    fields: dict[str, Any] = {
        "mode": answering.mode.value,
        "outside_action": answering.outside_hours.action.value,
        "announcement": answering.outside_hours.announcement or "",
        "outside_transfer_number": answering.outside_hours.transfer_number or "",
        "transfer_number": answering.transfer_number or "",
        "greeting": answering.greeting or "",
        "office_custom": "1" if answering.office_hours is not None else "",
        "bookable": [t.id for t in config.appointment_types if t.bookable_by_phone],
        **sms_fields(config),
    }
    for day in WEEKDAYS:
        fields[f"office_{day}"] = format_ranges(config.office_hours, day)
        fields[f"extended_{day}"] = format_ranges(answering.extended_hours, day)
        for practitioner in config.practitioners:
            fields[f"hours_{practitioner.id}_{day}"] = format_ranges(practitioner.hours, day)
    return fields


def _upcoming_holidays(config: PracticeConfig) -> list[tuple[dt.date, str]]:
    today = dt.datetime.now(config.tz).date()
    end = today + dt.timedelta(days=_HOLIDAYS_AHEAD_DAYS)
    found = holidays.country_holidays("FR", years=range(today.year, end.year + 1))
    return sorted((day, str(name)) for day, name in found.items() if today <= day <= end)


def _page(
    request: Request,
    context: AppContext,
    *,
    config: PracticeConfig | None = None,
    submitted: FormValues | None = None,
    problems: list[str] | None = None,
    notice: str | None = None,
    section: str | None = None,
    status_code: int = 200,
) -> Response:
    store = context.practice_store
    config = config or store.current()
    fields = form_fields(config)
    if submitted is not None:
        for name, values in submitted.items():
            if name in ("bookable", "remove_closure"):
                fields[name] = list(values)
            elif name != "csrf_token":
                fields[name] = values[0] if values else ""
        if section == "hours" and "office_custom" not in submitted:
            fields["office_custom"] = ""
        if section == "booking" and "bookable" not in submitted:
            fields["bookable"] = []
        if section == "sms":
            fields.update({name: "" for name in SMS_CHECKBOXES if name not in submitted})
    return templates.render(
        request,
        "settings.html",
        {
            "config": config,
            "version": store.version,
            "fields": fields,
            "weekdays": WEEKDAYS,
            "problems": problems or [],
            "notice": notice,
            "section": section,
            "holidays": _upcoming_holidays(config),
            "today": dt.datetime.now(config.tz).date(),
            "sms_configured": context.settings.sms_configured,
        },
        status_code=status_code,
    )


@router.get("")
def settings_page(
    request: Request, context: ContextDep, current: SettingsSession, saved: str | None = None
) -> Response:
    """The settings, each part its own form."""
    notice = None
    if saved == "1":
        notice = fr.SETTINGS_SAVED
    elif saved == "0":
        notice = fr.SETTINGS_UNCHANGED
    return _page(request, context, notice=notice)


async def _form_values(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


@router.post("/{section}")
async def save_section(
    section: str, request: Request, context: ContextDep, current: SettingsSession
) -> Response:
    """Save one part of the settings, or show the form again with what is wrong."""
    apply = SECTIONS.get(section)
    if apply is None:
        return Response(status_code=status.HTTP_404_NOT_FOUND)
    submitted = await _form_values(request)
    return await run_in_threadpool(_save, request, context, current.user.username, section,
                                   apply, submitted)


def _save(
    request: Request,
    context: AppContext,
    actor: str,
    section: str,
    apply: Callable[[PracticeConfig, FormValues], PracticeConfig],
    submitted: dict[str, list[str]],
) -> Response:
    store = context.practice_store
    current = store.current()
    try:
        expected = int(first(submitted, "version"))
    except ValueError:
        expected = -1
    try:
        changed = apply(current, submitted)
    except FormProblemsError as exc:
        return _page(
            request, context, submitted=submitted, problems=exc.problems, section=section,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    try:
        new_version = store.save(changed, actor=actor, expected_version=expected)
    except StaleSettingsError:
        return _page(
            request, context, notice=fr.SETTINGS_STALE, section=section,
            status_code=status.HTTP_409_CONFLICT,
        )
    saved = "1" if new_version != expected else "0"
    if saved == "1":
        # The agenda's tables (hours, closures, bookable types) follow the new settings now,
        # not at the next restart; they are shared by every instance, so one sync is enough.
        agenda.sync_agenda(context)
    _LOGGER.info("settings saved from the staff pages", extra={"section": section})
    return with_security_headers(
        RedirectResponse(f"/settings?saved={saved}#{section}", status.HTTP_303_SEE_OTHER)
    )


def _pretty(document: str) -> str:
    return yaml.safe_dump(json.loads(document), allow_unicode=True, sort_keys=False).strip()


@router.get("/audit")
def audit_page(request: Request, context: ContextDep, current: SettingsSession) -> Response:
    """Who changed the settings, when, and what the changed parts were before and after."""
    entries = [
        {
            "at": entry.at,
            "actor": entry.actor,
            "version": entry.version,
            "sections": [fr.SECTION_LABELS.get(s, s) for s in entry.sections.split(",") if s],
            "before": _pretty(entry.before),
            "after": _pretty(entry.after),
        }
        for entry in context.practice_store.audit_log(limit=100)
    ]
    return templates.render(request, "audit.html", {"entries": entries})
