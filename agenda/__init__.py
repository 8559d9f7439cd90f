"""Agenda: the practice calendar (practitioners, schedules, slots, holds, bookings), and the
booking policy on the phone (what callers name, which proposals they hear).

Public face: the names in ``__all__``; other components import nothing else from here.

The phone path, as the dialogue's actions use it::

    kind = agenda.match_type("pour un vaccin", practice)  # "vaccination"
    held = agenda.propose(session, practice, kind, wish=agenda.TimeWish(asap=True),
                          conversation_id=call_sid)  # at most three, spread, held
    who = agenda.register_patient(session, last_name=..., first_name=..., birth_date=...,
                                  phone=caller)
    done = agenda.confirm_hold(session, practice, held[0].hold_id, patient_id=who.id,
                               conversation_id=call_sid)
    agenda.release_holds(session, call_sid)  # when the call ends

Every booking, move, cancellation and status change also leaves a row in an outbox, in its own
transaction; a follower (the texts to patients) takes them with `take_appointment_changes`.

Write functions commit (or roll back) their own transaction; failures raise `AgendaError`
subclasses with a stable ``code``.
"""

from agenda.api import router as router
from agenda.api import sync_agenda as sync_agenda
from agenda.booking import book_appointment as book_appointment
from agenda.booking import cancel_appointment as cancel_appointment
from agenda.booking import confirm_hold as confirm_hold
from agenda.booking import move_appointment as move_appointment
from agenda.booking import set_appointment_status as set_appointment_status
from agenda.changes import AppointmentChange as AppointmentChange
from agenda.changes import take_appointment_changes as take_appointment_changes
from agenda.errors import AgendaError as AgendaError
from agenda.errors import AppointmentStateError as AppointmentStateError
from agenda.errors import HoldNotFoundError as HoldNotFoundError
from agenda.errors import IdentityNotConfirmedError as IdentityNotConfirmedError
from agenda.errors import InvalidSlotError as InvalidSlotError
from agenda.errors import NotOfferedError as NotOfferedError
from agenda.errors import SlotUnavailableError as SlotUnavailableError
from agenda.errors import UnknownReferenceError as UnknownReferenceError
from agenda.holds import conversation_holds as conversation_holds
from agenda.holds import hold_slot as hold_slot
from agenda.holds import hold_slots as hold_slots
from agenda.holds import purge_expired_holds as purge_expired_holds
from agenda.holds import release_holds as release_holds
from agenda.listing import appointments_between as appointments_between
from agenda.listing import appointments_on as appointments_on
from agenda.listing import get_appointment as get_appointment
from agenda.listing import list_appointment_types as list_appointment_types
from agenda.listing import list_practitioners as list_practitioners
from agenda.matching import ANY_PRACTITIONER as ANY_PRACTITIONER
from agenda.matching import answer_type as answer_type
from agenda.matching import match_practitioner as match_practitioner
from agenda.matching import match_type as match_type
from agenda.matching import practitioner_name as practitioner_name
from agenda.matching import practitioners_for as practitioners_for
from agenda.matching import type_label as type_label
from agenda.models import AgendaBase
from agenda.models import AppointmentStatus as AppointmentStatus
from agenda.models import ChangeKind as ChangeKind
from agenda.models import Source as Source
from agenda.patients import get_patient as get_patient
from agenda.patients import identify_patient as identify_patient
from agenda.patients import normalise_phone as normalise_phone
from agenda.patients import patients_by_phone as patients_by_phone
from agenda.patients import patients_to_verify as patients_to_verify
from agenda.patients import refuse_sms as refuse_sms
from agenda.patients import register_patient as register_patient
from agenda.patients import upcoming_appointments as upcoming_appointments
from agenda.patients import usual_practitioner as usual_practitioner
from agenda.patients import verify_patient as verify_patient
from agenda.privacy import PatientRecords as PatientRecords
from agenda.privacy import erase_patient_records as erase_patient_records
from agenda.privacy import patient_records as patient_records
from agenda.proposals import TimeWish as TimeWish
from agenda.proposals import propose as propose
from agenda.results import AppointmentInfo as AppointmentInfo
from agenda.results import AppointmentTypeInfo as AppointmentTypeInfo
from agenda.results import HeldSlot as HeldSlot
from agenda.results import Identification as Identification
from agenda.results import IdentityStatus as IdentityStatus
from agenda.results import PatientInfo as PatientInfo
from agenda.results import PractitionerInfo as PractitionerInfo
from agenda.results import Slot as Slot
from agenda.slots import search_slots as search_slots
from agenda.stats import BookingChannel as BookingChannel
from agenda.stats import BookingStats as BookingStats
from agenda.stats import Canceller as Canceller
from agenda.stats import booking_stats as booking_stats
from agenda.sync import SyncReport as SyncReport
from agenda.sync import sync_from_config as sync_from_config
from agenda.timegrid import PART_OF_DAY_HOURS as PART_OF_DAY_HOURS
from agenda.timegrid import PartOfDay as PartOfDay

metadata = AgendaBase.metadata

__all__ = [
    "ANY_PRACTITIONER",
    "PART_OF_DAY_HOURS",
    "AgendaError",
    "AppointmentChange",
    "AppointmentInfo",
    "AppointmentStateError",
    "AppointmentStatus",
    "AppointmentTypeInfo",
    "BookingChannel",
    "BookingStats",
    "Canceller",
    "ChangeKind",
    "HeldSlot",
    "HoldNotFoundError",
    "Identification",
    "IdentityNotConfirmedError",
    "IdentityStatus",
    "InvalidSlotError",
    "NotOfferedError",
    "PartOfDay",
    "PatientInfo",
    "PatientRecords",
    "PractitionerInfo",
    "Slot",
    "SlotUnavailableError",
    "Source",
    "SyncReport",
    "TimeWish",
    "UnknownReferenceError",
    "answer_type",
    "appointments_between",
    "appointments_on",
    "book_appointment",
    "booking_stats",
    "cancel_appointment",
    "confirm_hold",
    "conversation_holds",
    "erase_patient_records",
    "get_appointment",
    "get_patient",
    "hold_slot",
    "hold_slots",
    "identify_patient",
    "list_appointment_types",
    "list_practitioners",
    "match_practitioner",
    "match_type",
    "metadata",
    "move_appointment",
    "normalise_phone",
    "patient_records",
    "patients_by_phone",
    "patients_to_verify",
    "practitioner_name",
    "practitioners_for",
    "propose",
    "purge_expired_holds",
    "refuse_sms",
    "register_patient",
    "release_holds",
    "router",
    "search_slots",
    "set_appointment_status",
    "sync_agenda",
    "sync_from_config",
    "take_appointment_changes",
    "type_label",
    "upcoming_appointments",
    "usual_practitioner",
    "verify_patient",
]
