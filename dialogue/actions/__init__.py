"""Custom actions, registered explicitly (no discovery by import side effects).

Actions run in the gateway (`dialogue.action_endpoint`); they reach the database and the practice
configuration through `dialogue.actions.runtime`.
"""

from __future__ import annotations

from rasa_sdk import Action

from dialogue.actions.appointments import (
    ActionAppointmentRequest,
    ActionStartLookup,
    ValidateAppointmentLookupForm,
)
from dialogue.actions.booking import ActionBook, ActionStartBooking
from dialogue.actions.booking_form import ValidateBookingForm
from dialogue.actions.conversation import (
    ActionNotUnderstood,
    ActionPracticalInfo,
    ActionSessionStart,
    ActionTalkToSomeone,
)
from dialogue.actions.requests import (
    SubmitCertificate,
    SubmitMessage,
    SubmitRenewal,
    SubmitSickLeave,
    ValidateCertificateForm,
    ValidateMessageForm,
    ValidateRenewalForm,
    ValidateSickLeaveForm,
)

ACTIONS: list[type[Action]] = [
    ActionSessionStart,
    ActionNotUnderstood,
    ActionTalkToSomeone,
    ActionPracticalInfo,
    ValidateRenewalForm,
    ValidateCertificateForm,
    ValidateSickLeaveForm,
    ValidateMessageForm,
    SubmitRenewal,
    SubmitCertificate,
    SubmitSickLeave,
    SubmitMessage,
    ActionStartBooking,
    ValidateBookingForm,
    ActionBook,
    ActionStartLookup,
    ValidateAppointmentLookupForm,
    ActionAppointmentRequest,
]
