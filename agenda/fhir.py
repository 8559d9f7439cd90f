"""A FHIR R4-shaped read API for practice software: `Slot` and `Appointment` searches.

Only the fields the agenda holds are filled. Searches return a ``searchset`` Bundle; a bad
parameter returns an ``OperationOutcome`` with 400. Identifiers: ``Practitioner/<id>`` and
``Schedule/<id>`` are the practitioner's id; the appointment type is a coding in
`TYPE_SYSTEM`; a slot's id encodes practitioner, type and start (slots are computed, not
stored).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from agenda import labels, listing, slots
from agenda.errors import AgendaError
from agenda.results import AppointmentInfo, Slot
from core import PracticeDep, SessionDep, require_staff

FHIR_JSON = "application/fhir+json"
TYPE_SYSTEM = "urn:standardiste:appointment-type"
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.+)$")
_MAX_COUNT = 500

router = APIRouter(prefix="/fhir", tags=["fhir"], dependencies=[Depends(require_staff)])


class FhirParamError(ValueError):
    """A search parameter we cannot read."""


def date_bounds(values: list[str], tz: ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Lower (inclusive) and upper (exclusive) instants from FHIR date parameters.

    A date without a time is a whole local day; ``ge``, ``gt``, ``le``, ``lt`` and ``eq``
    (the default) are understood.

    Raises:
        FhirParamError: an unknown prefix or an unreadable date.
    """
    lower: dt.datetime | None = None
    upper: dt.datetime | None = None
    for value in values:
        match = _PREFIX.match(value.strip())
        if match is None:
            raise FhirParamError(f"unreadable date {value!r}")
        prefix, text = match.group(1) or "eq", match.group(2)
        try:
            if "T" in text:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=tz)
                first, after = moment, moment + dt.timedelta(microseconds=1)
            else:
                day = dt.date.fromisoformat(text)
                first = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
                after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        except ValueError:
            raise FhirParamError(f"unreadable date {value!r}") from None
        if prefix in ("ge", "eq"):
            lower = first if lower is None else max(lower, first)
        if prefix == "gt":
            lower = after if lower is None else max(lower, after)
        if prefix in ("lt",):
            upper = first if upper is None else min(upper, first)
        if prefix in ("le", "eq"):
            upper = after if upper is None else min(upper, after)
        if prefix not in ("ge", "gt", "le", "lt", "eq"):
            raise FhirParamError(f"unsupported prefix {prefix!r}")
    return lower, upper


def _reference_id(value: str | None, kind: str) -> str | None:
    if value is None:
        return None
    return value.removeprefix(f"{kind}/")


def _service_type(type_id: str, label: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": TYPE_SYSTEM, "code": type_id, "display": label}]}]


def slot_id(slot: Slot) -> str:
    """A computed slot's id: practitioner, type and UTC start."""
    start = slot.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    return f"{slot.practitioner_id}.{slot.appointment_type_id}.{start}"


def slot_resource(slot: Slot) -> dict[str, Any]:
    """A free slot as a FHIR R4 Slot."""
    return {
        "resourceType": "Slot",
        "id": slot_id(slot),
        "schedule": {
            "reference": f"Schedule/{slot.practitioner_id}",
            "display": slot.practitioner_name,
        },
        "serviceType": _service_type(slot.appointment_type_id, slot.appointment_type_label),
        "status": "free",
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
    }


def appointment_resource(item: AppointmentInfo) -> dict[str, Any]:
    """An appointment as a FHIR R4 Appointment."""
    return {
        "resourceType": "Appointment",
        "id": str(item.id),
        "meta": {"lastUpdated": item.updated_at.isoformat()},
        "status": item.status,
        "serviceType": _service_type(item.appointment_type_id, item.appointment_type_label),
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "minutesDuration": int((item.end - item.start).total_seconds() // 60),
        "created": item.created_at.isoformat(),
        "participant": [
            {
                "actor": {
                    "reference": f"Practitioner/{item.practitioner_id}",
                    "display": item.practitioner_name,
                },
                "status": "accepted",
            },
            {
                "actor": {
                    "reference": f"Patient/{item.patient.id}",
                    "display": labels.patient_display(
                        item.patient.last_name, item.patient.first_name
                    ),
                },
                "status": "accepted",
            },
        ],
    }


def bundle(request: Request, kind: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``searchset`` Bundle of resources."""
    base = str(request.base_url).rstrip("/")
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": str(request.url)}],
        "entry": [
            {
                "fullUrl": f"{base}/fhir/{kind}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }


def _outcome(message: str, code: str = "invalid", status_code: int = 400) -> JSONResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return JSONResponse(body, status_code=status_code, media_type=FHIR_JSON)


@router.get("/Slot", response_class=JSONResponse)
def search_slot(
    request: Request,
    session: SessionDep,
    practice: PracticeDep,
    service_type: Annotated[str, Query(alias="service-type", description="Appointment type id")],
    schedule: Annotated[str | None, Query(description="Schedule/<practitioner id>")] = None,
    start: Annotated[list[str] | None, Query(description="e.g. ge2026-12-01")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=_MAX_COUNT)] = 20,
) -> JSONResponse:
    """Free slots of an appointment type, as a Bundle of Slot resources."""
    tz = practice.tz
    code = service_type.rsplit("|", 1)[-1]
    try:
        lower, upper = date_bounds(start or [], tz)
        found = slots.search_slots(
            session,
            practice,
            code,
            practitioner=_reference_id(schedule, "Schedule"),
            earliest=lower.astimezone(tz).date() if lower else None,
            latest=upper.astimezone(tz).date() if upper else None,
            limit=count,
            spread=False,
            for_phone=False,
        )
    except FhirParamError as exc:
        return _outcome(str(exc))
    except AgendaError as exc:
        return _outcome(labels.ERROR_MESSAGES.get(exc.code, exc.message), "not-found", 404)
    kept = [
        s
        for s in found
        if (lower is None or s.start >= lower) and (upper is None or s.start < upper)
    ]
    return JSONResponse(
        bundle(request, "Slot", [slot_resource(s) for s in kept]), media_type=FHIR_JSON
    )


@router.get("/Appointment", response_class=JSONResponse)
def search_appointment(
    request: Request,
    session: SessionDep,
    practice: PracticeDep,
    date: Annotated[
        list[str] | None, Query(description="e.g. ge2026-12-01&date=lt2026-12-08")
    ] = None,
    practitioner: Annotated[str | None, Query(description="Practitioner/<id>")] = None,
    patient: Annotated[str | None, Query(description="Patient/<id>")] = None,
    status: Annotated[str | None, Query(description="booked, cancelled, ...")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=_MAX_COUNT)] = 100,
) -> JSONResponse:
    """Appointments, as a Bundle of Appointment resources, earliest first."""
    try:
        lower, upper = date_bounds(date or [], practice.tz)
    except FhirParamError as exc:
        return _outcome(str(exc))
    patient_ref = _reference_id(patient, "Patient")
    if patient_ref is not None and not patient_ref.isdigit():
        return _outcome(f"unknown patient reference {patient!r}")
    found = listing.appointments_between(
        session,
        practice,
        lower or dt.datetime(1970, 1, 2, tzinfo=dt.UTC),
        upper or dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
        practitioner_id=_reference_id(practitioner, "Practitioner"),
        patient_id=int(patient_ref) if patient_ref is not None else None,
        statuses=status.split(",") if status else None,
        limit=count,
    )
    resources = [appointment_resource(a) for a in found]
    return JSONResponse(bundle(request, "Appointment", resources), media_type=FHIR_JSON)
