"""Patients: normalised phone numbers, careful identification, the secretary's checks.

Names come from speech recognition, so they are compared fuzzily; but a fuzzy name is never
enough on its own. A caller is the patient on file when the date of birth is the same AND
either the name is the same (ignoring case, accents, spaces and hyphens) or the name is close
AND the phone number is the same. Anything weaker is "not found" (a new patient, flagged for the
secretary) or "ambiguous" — never a silent merge of two people.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agenda.errors import IdentityNotConfirmedError, UnknownReferenceError
from agenda.listing import appointments_between
from agenda.models import Appointment, AppointmentStatus, Patient, Source
from agenda.results import AppointmentInfo, Identification, IdentityStatus, PatientInfo
from agenda.timegrid import fold, utcnow
from core import PracticeConfig

DEFAULT_REGION = "FR"
# Similarity (0-100, rapidfuzz ratio on folded names) a last name needs when the phone matches.
LAST_NAME_MIN = 80
# Similarity a first name needs, when given ("Jeanne" heard "Jean" passes, "Pauline" for
# "Paul" does not).
FIRST_NAME_MIN = 80
_NOT_LETTERS = re.compile(r"[^a-z0-9]")
# A number shared by more patients than this is a switchboard (a care home, a school, a
# company), not a family: nobody is recognised by it.
MAX_SHARING_A_NUMBER = 4


def normalise_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of a phone number (``06 12 34 56 78`` → ``+33612345678``), or None."""
    if not raw or not raw.strip():
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def name_key(name: str) -> str:
    """A name folded for comparison: ``Le Goff-Hervé`` → ``legoffherve``."""
    return _NOT_LETTERS.sub("", fold(name))


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, 0 to 100, ignoring case, accents, spaces and hyphens."""
    return float(fuzz.ratio(name_key(a), name_key(b)))


def identify_patient(
    session: Session,
    *,
    birth_date: dt.date,
    last_name: str,
    first_name: str | None = None,
    phone: str | None = None,
) -> Identification:
    """Find the caller in the patient file.

    Args:
        session: a database session.
        birth_date: the date of birth (must match exactly).
        last_name: the last name as heard.
        first_name: the first name as heard; when given, it must be close too (relatives and
            twins share the rest).
        phone: the caller's number, in any format.

    Returns:
        ``identified`` with the patient, ``ambiguous`` (several fit), or ``not-found``.
    """
    number = normalise_phone(phone)
    key = name_key(last_name)
    matches: list[Patient] = []
    for row in session.scalars(select(Patient).where(Patient.birth_date == birth_date)):
        same_name = name_key(row.last_name) == key and key != ""
        close_name = name_similarity(row.last_name, last_name) >= LAST_NAME_MIN
        same_phone = number is not None and row.phone == number
        if same_name or (close_name and same_phone):
            matches.append(row)
    if first_name and first_name.strip():
        # A different first name is a different person (twins share everything else).
        matches = [
            row for row in matches if name_similarity(row.first_name, first_name) >= FIRST_NAME_MIN
        ]
    if len(matches) == 1:
        return Identification(IdentityStatus.IDENTIFIED, PatientInfo.of(matches[0]), 1)
    if matches:
        return Identification(IdentityStatus.AMBIGUOUS, None, len(matches))
    return Identification(IdentityStatus.NOT_FOUND)


def register_patient(
    session: Session,
    *,
    last_name: str,
    first_name: str,
    birth_date: dt.date,
    phone: str | None = None,
    source: Source = Source.PHONE,
) -> PatientInfo:
    """The identified patient, or a new one (flagged ``to_verify`` when the assistant created it).

    An ambiguous identification also creates a new, flagged patient: the secretary decides.
    Commits the session.
    """
    found = identify_patient(
        session, birth_date=birth_date, last_name=last_name, first_name=first_name, phone=phone
    )
    if found.patient is not None:
        return found.patient
    row = Patient(
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        birth_date=birth_date,
        phone=normalise_phone(phone),
        to_verify=source.by_assistant,
        source=source.value,
    )
    session.add(row)
    session.commit()
    return PatientInfo.of(row)


def get_patient(session: Session, patient_id: int) -> PatientInfo:
    """One patient.

    Raises:
        UnknownReferenceError: no such patient.
    """
    row = session.get(Patient, patient_id)
    if row is None:
        raise UnknownReferenceError(f"no patient {patient_id}")
    return PatientInfo.of(row)


def patients_to_verify(session: Session) -> list[PatientInfo]:
    """Patients created by phone that the secretary has not checked yet, oldest first."""
    rows = session.scalars(
        select(Patient).where(Patient.to_verify.is_(True)).order_by(Patient.created_at, Patient.id)
    )
    return [PatientInfo.of(row) for row in rows]


def verify_patient(
    session: Session,
    patient_id: int,
    *,
    last_name: str | None = None,
    first_name: str | None = None,
    birth_date: dt.date | None = None,
    phone: str | None = None,
) -> PatientInfo:
    """The secretary confirms a patient, correcting what speech recognition got wrong; commits.

    Raises:
        UnknownReferenceError: no such patient.
    """
    row = session.get(Patient, patient_id)
    if row is None:
        raise UnknownReferenceError(f"no patient {patient_id}")
    if last_name:
        row.last_name = last_name.strip()
    if first_name:
        row.first_name = first_name.strip()
    if birth_date:
        row.birth_date = birth_date
    if phone:
        row.phone = normalise_phone(phone)
    row.to_verify = False
    session.commit()
    return PatientInfo.of(row)


def refuse_sms(session: Session, patient_id: int, *, refused: bool = True) -> PatientInfo:
    """Record that the patient wants no texts (or wants them again); commits.

    Raises:
        UnknownReferenceError: no such patient.
    """
    row = session.get(Patient, patient_id)
    if row is None:
        raise UnknownReferenceError(f"no patient {patient_id}")
    row.sms_refused = refused
    session.commit()
    return PatientInfo.of(row)


def upcoming_appointments(
    session: Session,
    practice: PracticeConfig,
    *,
    patient_id: int,
    birth_date: dt.date,
    now: dt.datetime | None = None,
) -> list[AppointmentInfo]:
    """A patient's booked appointments still to come, once identity is confirmed by birth date.

    Raises:
        IdentityNotConfirmedError: the date of birth is not the patient's (or no such patient).
    """
    row = session.get(Patient, patient_id)
    if row is None or row.birth_date != birth_date:
        raise IdentityNotConfirmedError("date of birth does not match")
    now = now or utcnow()
    return appointments_between(
        session,
        practice,
        now,
        now + dt.timedelta(days=3650),
        patient_id=patient_id,
        statuses=[AppointmentStatus.BOOKED.value],
    )


def patients_by_phone(session: Session, phone: str | None) -> list[PatientInfo]:
    """The patients on file with this number: one, a family sharing it, or nobody.

    A caller ID only suggests who is calling (it can be spoofed): the dialogue asks "C'est bien
    pour …?" and still checks the date of birth before reading out or changing an appointment.

    Returns:
        Oldest record first; empty when the number is unknown, not a number, or shared by more
        than `MAX_SHARING_A_NUMBER` patients.
    """
    number = normalise_phone(phone)
    if number is None:
        return []
    rows = list(
        session.scalars(
            select(Patient)
            .where(Patient.phone == number)
            .order_by(Patient.created_at, Patient.id)
            .limit(MAX_SHARING_A_NUMBER + 1)
        )
    )
    if len(rows) > MAX_SHARING_A_NUMBER:
        return []
    return [PatientInfo.of(row) for row in rows]


def usual_practitioner(session: Session, patient_id: int) -> str | None:
    """The practitioner a patient sees most (booked or seen; the latest wins a tie), or None
    for a patient never booked."""
    count = func.count(Appointment.id)
    row = session.execute(
        select(Appointment.practitioner_id, count, func.max(Appointment.start))
        .where(
            Appointment.patient_id == patient_id,
            Appointment.status.in_(
                [AppointmentStatus.BOOKED.value, AppointmentStatus.FULFILLED.value]
            ),
        )
        .group_by(Appointment.practitioner_id)
        .order_by(count.desc(), func.max(Appointment.start).desc())
        .limit(1)
    ).first()
    return str(row[0]) if row is not None else None
