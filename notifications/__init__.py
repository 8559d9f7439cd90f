"""Notifications: texts to patients through Twilio Messaging, and their replies.

Confirmations of bookings, moves and cancellations (by phone, chat or staff), reminders before
appointments, « votre ordonnance / votre certificat est disponible » from the inbox; replies
ANNULER (cancels), STOP / START (opt out and in), anything else to the inbox. Each kind is off
until the practice turns it on (`core.Sms`, the settings page). The wording is in
``texts.fr.yaml``; nothing about health is ever written.

Public face: the names in ``__all__``. It follows the agenda through its outbox
(`agenda.take_appointment_changes`): the agenda does not know texts exist.

    report = notifications.run_pass(context, notifications.messaging_for(context))
    # each gateway instance: asyncio.create_task(notifications.dispatch_forever(context))
"""

from notifications.api import sms_router as sms_router
from notifications.dispatch import LEASE as LEASE
from notifications.dispatch import PassReport as PassReport
from notifications.dispatch import claim as claim
from notifications.dispatch import prepare as prepare
from notifications.dispatch import run_pass as run_pass
from notifications.loop import dispatch_forever as dispatch_forever
from notifications.loop import messaging_for as messaging_for
from notifications.messaging import Messaging as Messaging
from notifications.messaging import Retry as Retry
from notifications.messaging import SendError as SendError
from notifications.messaging import Sent as Sent
from notifications.messaging import TwilioMessaging as TwilioMessaging
from notifications.models import NotificationKind as NotificationKind
from notifications.models import NotificationsBase
from notifications.models import State as State
from notifications.replies import Action as ReplyAction
from notifications.replies import EmergencyCheck as EmergencyCheck
from notifications.replies import classify as classify_reply
from notifications.replies import handle_reply as handle_reply
from notifications.retention import purge_texts as purge_texts
from notifications.scheduling import ReadyOutcome as ReadyOutcome
from notifications.scheduling import ready_document as ready_document
from notifications.scheduling import request_ready as request_ready
from notifications.status import PLANNED as PLANNED
from notifications.status import TextStatus as TextStatus
from notifications.status import appointment_texts as appointment_texts
from notifications.status import ready_text as ready_text
from notifications.texts import TextsError as TextsError
from notifications.texts import load_texts as load_texts
from notifications.texts import texts as texts

metadata = NotificationsBase.metadata

__all__ = [
    "LEASE",
    "PLANNED",
    "EmergencyCheck",
    "Messaging",
    "NotificationKind",
    "PassReport",
    "ReadyOutcome",
    "ReplyAction",
    "Retry",
    "SendError",
    "Sent",
    "State",
    "TextStatus",
    "TextsError",
    "TwilioMessaging",
    "appointment_texts",
    "claim",
    "classify_reply",
    "dispatch_forever",
    "handle_reply",
    "load_texts",
    "messaging_for",
    "metadata",
    "prepare",
    "purge_texts",
    "ready_document",
    "ready_text",
    "request_ready",
    "run_pass",
    "sms_router",
    "texts",
]
