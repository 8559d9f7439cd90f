"""The admin's pages: staff accounts (disable, role, password) and patients' rights requests.

Every act here is written to the administrative audit log with the admin's username, and the
page lists the latest lines. A patient's export is a JSON download; their erasure asks for an
explicit confirmation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from core import ContextDep
from staff import audit
from staff import labels_fr as fr
from staff.accounts import AccountError, list_accounts
from staff.auth_web import AdminSession
from staff.commands import change_role, enable_user, reset_password
from staff.models import Role
from staff.patient_rights import (
    BadIdentityError,
    Identity,
    PatientNotFoundError,
    erase_patient,
    export_patient,
)
from staff.security import with_security_headers
from staff.sessions import OpenSession
from staff.templating import templates

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/admin", include_in_schema=False)
_Done = TypeVar("_Done")
PhoneField = Annotated[str, Form(max_length=40)]
BirthDateField = Annotated[str, Form(max_length=10)]


def _audit_lines(context: ContextDep) -> list[dict[str, Any]]:
    with context.db.session() as session:
        return [
            {
                "at": line.at,
                "actor": line.actor,
                "action": fr.AUDIT_ACTIONS.get(line.action, line.action),
                "target": line.target,
                "detail": json.loads(line.detail or "{}"),
            }
            for line in audit.recent(session, limit=50)
        ]


def _accounts_page(
    request: Request, context: ContextDep, *, notice: str | None = None, status_code: int = 200
) -> Response:
    with context.db.session() as session:
        accounts = list_accounts(session, active_only=False)
    return templates.render(
        request, "admin_accounts.html",
        {"accounts": accounts, "roles": list(Role), "notice": notice,
         "audit": _audit_lines(context)},
        status_code=status_code,
    )


@router.get("/accounts")
def accounts_page(request: Request, context: ContextDep, current: AdminSession) -> Response:
    """Every account, with its role, state and the actions on it."""
    return _accounts_page(request, context)


def _refused(exc: AccountError) -> str:
    reason = str(exc)
    if "last active admin" in reason:
        return fr.ACCOUNT_REFUSED.format(reason=fr.LAST_ADMIN)
    return fr.ACCOUNT_REFUSED.format(reason=fr.UNKNOWN_ACCOUNT)


async def _account_change(
    request: Request,
    context: ContextDep,
    current: OpenSession,
    change: Callable[..., _Done],
    notice: Callable[[_Done], str],
    **arguments: Any,
) -> Response:
    """One audited change of an account, then the accounts page: with what was done, or with
    why it was refused."""
    try:
        done = await run_in_threadpool(
            change, context.settings, actor=current.user.username, **arguments
        )
    except AccountError as exc:
        # The page reads the database (accounts, audit, settings): off the event loop.
        return await run_in_threadpool(
            _accounts_page, request, context, notice=_refused(exc),
            status_code=status.HTTP_409_CONFLICT)
    return await run_in_threadpool(_accounts_page, request, context, notice=notice(done))


@router.post("/accounts/{username}/active")
async def set_account_active(
    request: Request,
    context: ContextDep,
    current: AdminSession,
    username: str,
    active: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Disable (its sessions end now) or re-enable an account."""
    enable = active == "1"
    template = fr.ACCOUNT_ENABLED if enable else fr.ACCOUNT_DISABLED
    return await _account_change(
        request, context, current, enable_user,
        lambda user: template.format(username=user.username), username=username, active=enable,
    )


@router.post("/accounts/{username}/role")
async def set_account_role(
    request: Request,
    context: ContextDep,
    current: AdminSession,
    username: str,
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Give an account another role."""
    try:
        chosen = Role(role)
    except ValueError:
        return Response(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return await _account_change(
        request, context, current, change_role,
        lambda user: fr.ACCOUNT_ROLE.format(
            username=user.username, role=fr.ROLE_LABELS[chosen.value]
        ),
        username=username, role=chosen,
    )


@router.post("/accounts/{username}/password")
async def reset_account_password(
    request: Request, context: ContextDep, current: AdminSession, username: str
) -> Response:
    """A temporary password, shown once, and the account's sessions closed."""
    return await _account_change(
        request, context, current, reset_password,
        lambda done: fr.ACCOUNT_PASSWORD.format(username=done[0].username, password=done[1]),
        username=username,
    )


def _patients_page(
    request: Request, context: ContextDep, *, notice: str | None = None, status_code: int = 200
) -> Response:
    return templates.render(
        request, "admin_patients.html", {"notice": notice, "audit": _audit_lines(context)},
        status_code=status_code,
    )


@router.get("/patients")
def patients_page(request: Request, context: ContextDep, current: AdminSession) -> Response:
    """The patients' rights form: export or erase by phone number and birth date."""
    return _patients_page(request, context)


def _identity(phone: str, birth_date: str) -> Identity | None:
    try:
        return Identity.parse(phone, dt.date.fromisoformat(birth_date))
    except (ValueError, BadIdentityError):
        return None


async def _patient_act(
    request: Request,
    context: ContextDep,
    current: OpenSession,
    act: Callable[..., _Done],
    phone: str,
    birth_date: str,
    *,
    confirmed: bool = True,
) -> _Done | Response:
    """An audited act on the patient the form names; or the form again, saying why not."""
    who = _identity(phone, birth_date)
    problem, code = None, status.HTTP_422_UNPROCESSABLE_CONTENT
    if who is None:
        problem = fr.PATIENT_BAD_REQUEST
    elif not confirmed:
        problem = fr.PATIENT_CONFIRM
    else:
        try:
            return await run_in_threadpool(
                act, context.db, context.settings, who, actor=current.user.username
            )
        except PatientNotFoundError:
            problem, code = fr.PATIENT_NOT_FOUND, status.HTTP_404_NOT_FOUND
    return await run_in_threadpool(
        _patients_page, request, context, notice=problem, status_code=code)


@router.post("/patients/export")
async def patient_export(
    request: Request,
    context: ContextDep,
    current: AdminSession,
    phone: PhoneField = "",
    birth_date: BirthDateField = "",
) -> Response:
    """Everything held about a patient, as a JSON file to hand to them."""
    data = await _patient_act(request, context, current, export_patient, phone, birth_date)
    if isinstance(data, Response):
        return data
    _LOGGER.info("patient data exported from the admin page")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = Response(
        body, media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="donnees-patient.json"'},
    )
    return with_security_headers(response)


@router.post("/patients/erase")
async def patient_erase(
    request: Request,
    context: ContextDep,
    current: AdminSession,
    phone: PhoneField = "",
    birth_date: BirthDateField = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Erase a patient from every store, once confirmed."""
    counts = await _patient_act(
        request, context, current, erase_patient, phone, birth_date, confirmed=confirm == "yes"
    )
    if isinstance(counts, Response):
        return counts
    _LOGGER.info("patient data erased from the admin page")
    summary = ", ".join(f"{n} {fr.ERASED_KINDS.get(kind, kind)}" for kind, n in counts.items())
    return await run_in_threadpool(
        _patients_page, request, context, notice=fr.PATIENT_ERASED.format(counts=summary))


@router.get("")
def admin_home(current: AdminSession) -> Response:
    """The administration starts with the accounts."""
    return with_security_headers(RedirectResponse("/admin/accounts", status.HTTP_303_SEE_OTHER))
