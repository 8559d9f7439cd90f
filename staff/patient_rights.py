"""A patient's rights of access and erasure (GDPR articles 15 and 17), for an admin.

The patient is named by their phone number and birth date. `export_patient` gathers everything
held about them: the agenda's patient rows and appointments, their calls with every turn, the
inbox messages, the list of recordings, Rasa's events of those conversations and any write still
waiting in the spool. `erase_patient` deletes all of it, in that order of safety: spooled records
first (a replay would write them back), then the rows in one transaction, then the recordings and
the tracker events. What stays is the audit line: who, when, and how many rows of each kind,
naming no patient.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import agenda
import transcripts
from core import Database, Settings, __version__
from staff import audit


class PatientNotFoundError(LookupError):
    """Nothing is held under this phone number and birth date."""


class BadIdentityError(ValueError):
    """The phone number cannot be read."""


@dataclass(frozen=True)
class Identity:
    """The phone number (E.164) and birth date a request names."""

    phone: str
    birth_date: dt.date

    @classmethod
    def parse(cls, phone: str, birth_date: dt.date) -> Identity:
        """Normalise the number as the agenda stores it.

        Raises:
            BadIdentityError: the number cannot be read.
        """
        normalised = agenda.normalise_phone(phone)
        if normalised is None:
            raise BadIdentityError("phone: not a phone number")
        return cls(normalised, birth_date)


def _gather(
    db: Database, settings: Settings, who: Identity
) -> tuple[agenda.PatientRecords, transcripts.CallerRows, dict[str, Any]]:
    with db.session() as session:
        records = agenda.patient_records(session, who.phone, who.birth_date)
        rows = transcripts.caller_rows(
            session, who.phone, who.birth_date, records.conversation_ids
        )
        held = transcripts.export_caller(session, settings, rows)
    return records, rows, held


def export_patient(
    db: Database, settings: Settings, who: Identity, *, actor: str
) -> dict[str, Any]:
    """Everything held about the patient, as JSON-ready data; the export is audited.

    Raises:
        PatientNotFoundError: nothing is held about them.
    """
    records, rows, held = _gather(db, settings, who)
    if not records.patients and not rows.call_ids and not rows.message_ids:
        raise PatientNotFoundError("nothing is held under this number and birth date")
    with db.session() as session:
        audit.record(session, actor=actor, action="patient.export", target="patient", detail={
            "patients": len(records.patients), "calls": len(rows.call_ids),
            "messages": len(rows.message_ids),
        })
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "software": f"Standardiste {__version__}",
        "request": {"phone": who.phone, "birth_date": who.birth_date.isoformat()},
        "patients": records.patients,
        "appointments": records.appointments,
        **held,
    }


def erase_patient(db: Database, settings: Settings, who: Identity, *, actor: str) -> dict[str, int]:
    """Erase the patient from every store; returns how many items of each kind went.

    Raises:
        PatientNotFoundError: nothing is held about them.
    """
    records, rows, _ = _gather(db, settings, who)
    if not records.patients and not rows.call_ids and not rows.message_ids:
        raise PatientNotFoundError("nothing is held under this number and birth date")
    # The conversations that booked their appointments count too, even if retention already
    # removed those calls' rows: Rasa's events or a spooled write may outlive them.
    rows = dataclasses.replace(rows, call_sids=set(records.conversation_ids) | rows.call_sids)
    counts: dict[str, int] = {"pending_writes": transcripts.erase_spooled(settings, rows)}
    conversations = rows.call_sids
    with db.session() as session:
        counts.update(
            agenda.erase_patient_records(session, who.phone, who.birth_date, conversations)
        )
        counts.update(transcripts.erase_caller(session, rows))
    counts.update(transcripts.erase_outside(settings, rows))
    with db.session() as session:
        audit.record(session, actor=actor, action="patient.erase", target="patient",
                     detail=counts)
    return counts
