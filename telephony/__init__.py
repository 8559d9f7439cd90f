"""Telephony: Twilio webhooks and media stream, audio, voice activity, recognition and synthesis.

Public face: the names in ``__all__``.
"""

from telephony.answering_hours import AnsweringDecision as AnsweringDecision
from telephony.answering_hours import Decision as Decision
from telephony.answering_hours import decide as decide
from telephony.answering_hours import office_staffed as office_staffed
from telephony.api import router as router
from telephony.signature import SignatureChecker as SignatureChecker

__all__ = [
    "AnsweringDecision",
    "Decision",
    "SignatureChecker",
    "decide",
    "office_staffed",
    "router",
]
