"""Jinja2 for the staff pages: one base layout, French filters, and the security headers.

Every staff page's template is in ``staff/templates``. A page drawn outside ``staff/`` would
render through `StaffTemplates` with its own template folder in front of this one, so that it
extends the same ``base.html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.templating import Jinja2Templates

from core import AppContext, display_phone
from staff import labels_fr, labels_sms_fr
from staff.auth_web import request_session
from staff.security import CSRF_FIELD, CSRF_HEADER, with_security_headers

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_PREFIX = "/static/staff"


def tel_href(number: str | None) -> str:
    """A ``tel:`` link target in E.164, or empty when the number cannot be read."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return ""
    return "tel:" + str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


@pass_context
def local_datetime(ctx: Context, value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC instant shown in the practice's timezone."""
    if value is None:
        return ""
    tz: ZoneInfo = ctx.get("tz") or ZoneInfo("Europe/Paris")
    moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz).strftime(fmt)


def french_date(value: dt.date | None) -> str:
    """``12/03/1954``."""
    return value.strftime("%d/%m/%Y") if value else ""


class StaffTemplates:
    """Templates of one component, falling back to the staff layout."""

    def __init__(self, *folders: Path) -> None:
        loader = ChoiceLoader(
            [FileSystemLoader(str(folder)) for folder in (*folders, TEMPLATES_DIR)]
        )
        environment = Environment(
            loader=loader, autoescape=select_autoescape(["html"]), trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters["phone"] = display_phone
        environment.filters["tel"] = tel_href
        environment.filters["local"] = local_datetime
        environment.filters["date_fr"] = french_date
        environment.globals["fr"] = labels_fr
        environment.globals["sms_fr"] = labels_sms_fr
        environment.globals["static"] = STATIC_PREFIX
        environment.globals["csrf_field"] = CSRF_FIELD
        environment.globals["csrf_header"] = CSRF_HEADER
        self.jinja = Jinja2Templates(env=environment)

    def render(
        self,
        request: Request,
        name: str,
        values: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """A page (or an HTMX fragment) with the logged-in user, CSRF token and headers."""
        app_context: AppContext = request.app.state.context
        current = request_session(request)
        data: dict[str, Any] = {
            "user": current.user if current else None,
            "csrf_token": current.csrf_token if current else "",
            "tz": app_context.practice.tz,
            "practice_name": app_context.practice.practice.name,
            "path": request.url.path,
        }
        data.update(values or {})
        response = self.jinja.TemplateResponse(
            request, name, data, status_code=status_code, headers=dict(headers or {})
        )
        with_security_headers(response)
        return response


templates = StaffTemplates()
"""The staff component's own pages."""
