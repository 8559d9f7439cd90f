"""The agenda's HTTP face: the staff API (JSON), the iCalendar feeds, and the FHIR read API.

`router` is what the app includes. Its lifespan seeds the agenda tables from the practice
configuration at start-up (`sync_from_config`), so every gateway process starts in sync.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import GenericAlias
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from agenda import booking, fhir, ical, labels, listing, patients, slots
from agenda.errors import AgendaError
from agenda.models import Practitioner, Source
from agenda.results import AppointmentInfo, PatientInfo, Slot
from agenda.schemas import (
    AgendaAppointment,
    AgendaPatient,
    AgendaPractitioner,
    AgendaProblem,
    AgendaSlot,
    AppointmentCreate,
    AppointmentMove,
    PatientVerify,
)
from agenda.sync import on_settings_saved, sync_from_config
from agenda.timegrid import PartOfDay, utcnow
from core import AppContext, PracticeDep, RowId, SessionDep, SettingsDep, StaffDep, require_staff

_LOGGER = logging.getLogger(__name__)
Weekday = Annotated[int, Field(ge=0, le=6)]

_STATUS_BY_CODE = {
    "not-found": status.HTTP_404_NOT_FOUND,
    "hold-not-found": status.HTTP_404_NOT_FOUND,
    "not-offered": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "invalid-slot": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "slot-unavailable": status.HTTP_409_CONFLICT,
    "wrong-state": status.HTTP_409_CONFLICT,
    "identity-not-confirmed": status.HTTP_403_FORBIDDEN,
}
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Authentification requise"},
    404: {"model": AgendaProblem, "description": "Introuvable"},
    409: {"model": AgendaProblem, "description": "Créneau pris ou état incompatible"},
    422: {"model": AgendaProblem, "description": "Créneau ou demande invalide"},
}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    context: AppContext = app.state.context
    await run_in_threadpool(sync_agenda, context)
    yield


def sync_agenda(context: AppContext) -> None:
    """Keep the agenda tables in step with the practice settings.

    Syncs once now, and registers `on_settings_saved` with the practice store so that settings
    saved later (staff pages, any instance) update the agenda in the same transaction.
    Logs, rather than crashes, on an unmigrated database.
    """
    listeners = context.practice_store.listeners
    if on_settings_saved not in listeners:
        listeners.append(on_settings_saved)
    try:
        with context.db.session() as session:
            report = sync_from_config(session, context.practice)
        _LOGGER.info("agenda synced from the practice configuration", extra=vars(report))
    except SQLAlchemyError as exc:
        _LOGGER.error(
            "agenda not synced (run `standardiste db upgrade`?)",
            extra={"error": type(exc).__name__},
        )


@contextmanager
def _as_http() -> Iterator[None]:
    try:
        yield
    except AgendaError as exc:
        code = exc.code if exc.code in labels.ERROR_MESSAGES else "agenda-error"
        raise HTTPException(
            status_code=_STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST),
            detail={"code": exc.code, "message": labels.ERROR_MESSAGES[code]},
        ) from None


staff = APIRouter(
    prefix="/agenda", tags=["agenda"], dependencies=[Depends(require_staff)], responses=_ERRORS
)
feeds = APIRouter(prefix="/agenda", tags=["agenda"])
router = APIRouter(lifespan=_lifespan)


def _list_of(model: type[BaseModel]) -> GenericAlias:
    """``list[model]`` for the response models `agenda.schemas` builds at run time.

    mypy takes only classes inside ``list[...]``; the alias is the same object at run time.
    """
    return GenericAlias(list, model)


def _feed_path(practitioner_id: str, token: str) -> str:
    return f"/agenda/{practitioner_id}.ics?token={token}"


@staff.get("/practitioners", response_model=_list_of(AgendaPractitioner))
def get_practitioners(session: SessionDep) -> list[dict[str, object]]:
    """Active practitioners, with the (secret) address of their iCalendar feed."""
    out = []
    for info in listing.list_practitioners(session):
        row = session.get(Practitioner, info.id)
        assert row is not None
        out.append({**dataclasses.asdict(info), "feed_path": _feed_path(info.id, row.feed_token)})
    return out


@staff.get("/appointments", response_model=_list_of(AgendaAppointment))
def list_appointments(
    session: SessionDep,
    practice: PracticeDep,
    day: Annotated[dt.date, Query(description="Local date, e.g. 2026-12-01")],
    practitioner: Annotated[str | None, Query(description="Practitioner id")] = None,
) -> list[AppointmentInfo]:
    """Appointments of one day (all statuses), optionally for one practitioner."""
    return listing.appointments_on(session, practice, day, practitioner)


@staff.get("/appointments/{appointment_id}", response_model=AgendaAppointment)
def get_appointment(
    appointment_id: RowId, session: SessionDep, practice: PracticeDep
) -> AppointmentInfo:
    """One appointment."""
    with _as_http():
        return listing.get_appointment(session, practice, appointment_id)


@staff.post("/appointments", response_model=AgendaAppointment, status_code=201)
def create_appointment(
    body: AppointmentCreate, session: SessionDep, practice: PracticeDep
) -> AppointmentInfo:
    """Book an appointment (staff may book outside opening hours); 409 when the time is taken."""
    with _as_http():
        if body.patient is not None:
            patient_id = patients.register_patient(
                session,
                last_name=body.patient.last_name,
                first_name=body.patient.first_name,
                birth_date=body.patient.birth_date,
                phone=body.patient.phone,
                source=Source.STAFF,
            ).id
        else:
            assert body.patient_id is not None
            patient_id = patients.get_patient(session, body.patient_id).id
        info = booking.book_appointment(
            session,
            practice,
            practitioner_id=body.practitioner_id,
            appointment_type_id=body.appointment_type_id,
            start=body.start,
            patient_id=patient_id,
            source=Source.STAFF,
        )
    return info


@staff.post("/appointments/{appointment_id}/cancel", response_model=AgendaAppointment)
def cancel_appointment(
    appointment_id: RowId, session: SessionDep, practice: PracticeDep, principal: StaffDep
) -> AppointmentInfo:
    """Cancel an appointment; records who (the signed-in staff member or the API) and when."""
    with _as_http():
        info = booking.cancel_appointment(session, practice, appointment_id, by=principal.name)
    return info


@staff.post("/appointments/{appointment_id}/move", response_model=AgendaAppointment)
def move_appointment(
    appointment_id: RowId,
    body: AppointmentMove,
    session: SessionDep,
    practice: PracticeDep,
    principal: StaffDep,
) -> AppointmentInfo:
    """Move an appointment: the new one is booked and the old one cancelled, or nothing changes."""
    with _as_http():
        info = booking.move_appointment(
            session,
            practice,
            appointment_id,
            by=principal.name,
            start=body.start,
            practitioner_id=body.practitioner_id,
        )
    return info


@staff.get("/patients/to-verify", response_model=_list_of(AgendaPatient))
def list_patients_to_verify(session: SessionDep) -> list[PatientInfo]:
    """Patients created by phone that the secretary has not checked yet."""
    return patients.patients_to_verify(session)


@staff.post("/patients/{patient_id}/verify", response_model=AgendaPatient)
def verify_patient(patient_id: RowId, body: PatientVerify, session: SessionDep) -> PatientInfo:
    """Mark a patient as checked, correcting names, birth date or phone if needed."""
    with _as_http():
        info = patients.verify_patient(session, patient_id, **body.model_dump(exclude_none=True))
    return info


@staff.get("/slots", response_model=_list_of(AgendaSlot))
def free_slots(
    session: SessionDep,
    practice: PracticeDep,
    appointment_type: Annotated[str, Query(description="Appointment type id")],
    practitioner: Annotated[str | None, Query(description="Practitioner id")] = None,
    earliest: Annotated[dt.date | None, Query(description="First local date")] = None,
    latest: Annotated[dt.date | None, Query(description="Last local date")] = None,
    weekday: Annotated[list[Weekday] | None, Query(description="0 = Monday")] = None,
    part_of_day: Annotated[PartOfDay | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    spread: Annotated[bool, Query(description="Spread over half-days, as by phone")] = False,
) -> list[Slot]:
    """Free slots of a type (all types, not only those the phone may book)."""
    with _as_http():
        found = slots.search_slots(
            session,
            practice,
            appointment_type,
            practitioner=practitioner,
            earliest=earliest,
            latest=latest,
            weekdays=weekday,
            part_of_day=part_of_day,
            limit=limit,
            spread=spread,
            for_phone=False,
        )
    return found


@feeds.get(
    "/{practitioner_id}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Introuvable"}},
)
def practitioner_feed(
    practitioner_id: str,
    token: Annotated[str, Query(description="The practitioner's feed secret")],
    session: SessionDep,
    practice: PracticeDep,
    settings: SettingsDep,
) -> Response:
    """A practitioner's appointments as an iCalendar feed (subscribe from any calendar app)."""
    row = ical.feed_practitioner(session, practitioner_id, token)
    if row is None:
        raise HTTPException(status_code=404, detail="introuvable")
    domain = urlsplit(settings.public_base or "").hostname or "standardiste.local"
    body = ical.build_feed(session, practice, row, domain=domain, now=utcnow())
    return Response(body, media_type="text/calendar; charset=utf-8")


router.include_router(staff)
router.include_router(feeds)
router.include_router(fhir.router)
