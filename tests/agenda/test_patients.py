"""Patients: phone normalisation, identification that never merges on a fuzzy name alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import agenda
from agenda.models import Patient
from agenda.patients import MAX_SHARING_A_NUMBER
from core import PracticeConfig
from tests.agenda.support import BIRTH, NOW, local, patient


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+32 470 12 34 56", "+32470123456"),
        ("12", None),
        ("", None),
        (None, None),
        ("pas un numéro", None),
    ],
)
def test_normalise_phone(raw: str | None, expected: str | None) -> None:
    assert agenda.normalise_phone(raw) == expected


def identify(session: Session, last_name: str, **kw: object) -> agenda.Identification:
    values: dict[str, object] = {"birth_date": BIRTH, "phone": None}
    values.update(kw)
    return agenda.identify_patient(session, last_name=last_name, **values)  # type: ignore[arg-type]


def test_exact_name_and_birth_date_identify(session: Session) -> None:
    known = patient(session, "Le Goff-Hervé")
    found = identify(session, "le goff herve")
    assert found.status is agenda.IdentityStatus.IDENTIFIED
    assert found.patient is not None and found.patient.id == known.id


def test_fuzzy_name_needs_the_same_phone(session: Session) -> None:
    known = patient(session, "Dupont")
    with_phone = identify(session, "Dupond", phone="+33 6 12 34 56 78")
    assert with_phone.status is agenda.IdentityStatus.IDENTIFIED
    assert with_phone.patient is not None and with_phone.patient.id == known.id
    other_phone = identify(session, "Dupond", phone="07 00 00 00 00")
    assert other_phone.status is agenda.IdentityStatus.NOT_FOUND
    no_phone = identify(session, "Dupond")
    assert no_phone.status is agenda.IdentityStatus.NOT_FOUND


def test_birth_date_must_match_exactly(session: Session) -> None:
    patient(session, "Dupont")
    found = identify(session, "Dupont", birth_date=BIRTH + dt.timedelta(days=1), phone="0612345678")
    assert found.status is agenda.IdentityStatus.NOT_FOUND


def test_twins_are_told_apart_by_first_name_or_left_ambiguous(session: Session) -> None:
    paul = patient(session, "Moreau", first_name="Paul")
    patient(session, "Moreau", first_name="Pauline")
    both = identify(session, "Moreau")
    assert (both.status, both.candidates) == (agenda.IdentityStatus.AMBIGUOUS, 2)
    assert both.patient is None
    one = identify(session, "Moreau", first_name="Paul")
    assert one.patient is not None and one.patient.id == paul.id
    misheard = identify(session, "Moreau", first_name="Pol")
    assert misheard.status is agenda.IdentityStatus.NOT_FOUND


def test_a_fuzzy_match_registers_a_new_patient_to_verify(session: Session) -> None:
    known = patient(session, "Dupont")
    caller = agenda.register_patient(
        session,
        last_name="Dupond",
        first_name="Jeanne",
        birth_date=BIRTH,
        phone="07 11 22 33 44",
        source=agenda.Source.PHONE,
    )
    assert caller.id != known.id
    assert (caller.to_verify, caller.phone, caller.source) == (True, "+33711223344", "phone")
    assert session.scalar(select(func.count()).select_from(Patient)) == 2
    again = agenda.register_patient(
        session, last_name="Dupont", first_name="Jeanne", birth_date=BIRTH, phone="0612345678"
    )
    assert again.id == known.id


def test_patients_to_verify_and_verification(session: Session) -> None:
    patient(session, "Staff")
    caller = patient(session, "Appelant", source=agenda.Source.PHONE)
    assert [p.id for p in agenda.patients_to_verify(session)] == [caller.id]
    checked = agenda.verify_patient(session, caller.id, last_name="Appellant", phone="0611111111")
    assert (checked.to_verify, checked.last_name, checked.phone) == (
        False,
        "Appellant",
        "+33611111111",
    )
    assert agenda.patients_to_verify(session) == []


def test_upcoming_appointments_need_the_birth_date(
    session: Session, practice: PracticeConfig
) -> None:
    who = patient(session)
    for day, hour in [(1, 9), (2, 10)]:
        agenda.book_appointment(
            session,
            practice,
            practitioner_id="alpha",
            appointment_type_id="consultation",
            start=local(dt.date(2027, 3, day), hour),
            patient_id=who.id,
            now=NOW,
        )
    past_and_cancelled = agenda.book_appointment(
        session,
        practice,
        practitioner_id="alpha",
        appointment_type_id="consultation",
        start=local(dt.date(2027, 3, 3), 9),
        patient_id=who.id,
        now=NOW,
    )
    agenda.cancel_appointment(session, practice, past_and_cancelled.id, by="x")
    later = local(dt.date(2027, 3, 1), 12)
    upcoming = agenda.upcoming_appointments(
        session, practice, patient_id=who.id, birth_date=BIRTH, now=later
    )
    assert [a.start for a in upcoming] == [local(dt.date(2027, 3, 2), 10)]
    with pytest.raises(agenda.IdentityNotConfirmedError):
        agenda.upcoming_appointments(
            session, practice, patient_id=who.id, birth_date=dt.date(1961, 4, 13), now=later
        )


def test_a_caller_id_finds_one_patient_a_family_or_nobody(session: Session) -> None:
    mother = patient(session, "Dupont", first_name="Marie")
    assert [p.id for p in agenda.patients_by_phone(session, "+33 6 12 34 56 78")] == [mother.id]
    son = patient(session, "Dupont", first_name="Lucas", birth_date=dt.date(2015, 6, 1))
    family = agenda.patients_by_phone(session, "06.12.34.56.78")
    assert [(p.id, p.first_name) for p in family] == [(mother.id, "Marie"), (son.id, "Lucas")]
    assert agenda.patients_by_phone(session, "07 00 00 00 00") == []
    assert agenda.patients_by_phone(session, None) == []
    for n in range(MAX_SHARING_A_NUMBER + 1):
        patient(session, f"Résident{n}", phone="04 78 11 11 11", birth_date=dt.date(1930, 1, n + 1))
    assert agenda.patients_by_phone(session, "04 78 11 11 11") == []  # a care home's switchboard


def test_the_usual_practitioner_is_the_one_seen_most(
    session: Session, practice: PracticeConfig
) -> None:
    who = patient(session)
    assert agenda.usual_practitioner(session, who.id) is None
    booked = [
        ("beta", dt.date(2027, 3, 1), 9), ("alpha", dt.date(2027, 3, 2), 9),
        ("alpha", dt.date(2027, 3, 3), 9),
    ]
    ids = [
        agenda.book_appointment(
            session, practice, practitioner_id=who_, appointment_type_id="consultation",
            start=local(day, hour), patient_id=who.id, now=NOW,
        ).id
        for who_, day, hour in booked
    ]
    assert agenda.usual_practitioner(session, who.id) == "alpha"
    for appointment in ids[1:]:
        agenda.cancel_appointment(session, practice, appointment, by="x")
    assert agenda.usual_practitioner(session, who.id) == "beta"  # cancelled ones do not count
