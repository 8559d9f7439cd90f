"""JSON shapes of the staff API (pydantic).

The response models are derived from the agenda's result dataclasses (same field names, types
and order), so a field added to a result shows up in the API without a second copy here; routes
return the dataclasses and FastAPI validates them into these models. Only what the API shows
differently is written down: fields it leaves out, types it narrows, and field descriptions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, get_type_hints

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model, model_validator

from agenda.models import AppointmentStatus
from agenda.results import AppointmentInfo, PatientInfo, PractitionerInfo, Slot


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


def _response_model(
    name: str,
    doc: str,
    result: type[Any],
    *,
    leave_out: tuple[str, ...] = (),
    descriptions: dict[str, str] | None = None,
    **types: Any,
) -> type[BaseModel]:
    """A frozen API model with the fields of the dataclass `result`.

    Args:
        name: The model's name, which is also its OpenAPI schema name.
        doc: The model's description in the OpenAPI schema.
        result: The agenda result dataclass it shows.
        leave_out: Fields of `result` the API does not show.
        descriptions: OpenAPI descriptions, by field name.
        **types: Field types that differ from `result`'s, or fields it does not have.

    Returns:
        The model; every field is required.
    """
    hints = get_type_hints(result)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(result) if f.name not in leave_out}
    fields.update(types)
    notes = descriptions or {}
    spec: dict[str, Any] = {
        field: (kind, Field(description=notes.get(field))) for field, kind in fields.items()
    }
    return create_model(name, __base__=_Out, __doc__=doc, __module__=__name__, **spec)


AgendaPatient = _response_model(
    "AgendaPatient",
    "A patient.",
    PatientInfo,
    descriptions={
        "phone": "E.164, e.g. +33612345678",
        "to_verify": "Created by phone, not yet checked by the secretary",
    },
)
AgendaAppointment = _response_model(
    "AgendaAppointment",
    "An appointment; ``status`` follows FHIR R4 Appointment.status.",
    AppointmentInfo,
    leave_out=("updated_at",),
    descriptions={
        "source": "phone, web (the website's chat) or staff",
        "call_sid": "The call (or chat conversation) that booked it",
    },
    status=AppointmentStatus,
    patient=AgendaPatient,
)
AgendaSlot = _response_model("AgendaSlot", "A free slot.", Slot)
AgendaPractitioner = _response_model(
    "AgendaPractitioner",
    "A practitioner, with the address of their iCalendar feed.",
    PractitionerInfo,
    leave_out=("active",),
    descriptions={"feed_path": "Path of the iCalendar feed, secret token included"},
    feed_path=str,
)


class PatientIn(BaseModel):
    """A patient given inline when booking (matched to the file, or created)."""

    model_config = ConfigDict(extra="forbid")

    last_name: str = Field(min_length=1, max_length=120)
    first_name: str = Field(min_length=1, max_length=120)
    birth_date: dt.date
    phone: str | None = Field(default=None, max_length=32)


class AppointmentCreate(BaseModel):
    """Book an appointment: for a patient on file (``patient_id``) or described (``patient``)."""

    model_config = ConfigDict(extra="forbid")

    practitioner_id: str
    appointment_type_id: str
    start: AwareDatetime = Field(description="On the 5-minute grid, with its UTC offset")
    patient_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    patient: PatientIn | None = None

    @model_validator(mode="after")
    def _one_patient(self) -> AppointmentCreate:
        if (self.patient_id is None) == (self.patient is None):
            raise ValueError("give exactly one of patient_id and patient")
        return self


class AppointmentMove(BaseModel):
    """Move an appointment to a new start (and optionally another practitioner)."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    practitioner_id: str | None = None


class PatientVerify(BaseModel):
    """The secretary's check of a patient created by phone, with corrections if needed."""

    model_config = ConfigDict(extra="forbid")

    last_name: str | None = Field(default=None, min_length=1, max_length=120)
    first_name: str | None = Field(default=None, min_length=1, max_length=120)
    birth_date: dt.date | None = None
    phone: str | None = Field(default=None, max_length=32)


class AgendaProblem(_Out):
    """An agenda error: a stable code and a French message."""

    code: str
    message: str
