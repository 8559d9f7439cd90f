"""Telephony: Twilio webhooks and media stream, audio, voice activity, recognition and synthesis.

Public face: the names in ``__all__``.
"""

from telephony.answering_hours import AnsweringDecision as AnsweringDecision
from telephony.answering_hours import Decision as Decision
from telephony.answering_hours import decide as decide
from telephony.answering_hours import office_staffed as office_staffed
from telephony.api import router as router
from telephony.call_events import CallEvent as CallEvent
from telephony.call_events import CallEventType as CallEventType
from telephony.session import CallSession as CallSession
from telephony.signature import SignatureChecker as SignatureChecker
from telephony.simulator import SimulatorError as SimulatorError
from telephony.simulator import caller_turns as caller_turns
from telephony.simulator import report as report_call
from telephony.simulator import run_simulator as run_simulator
from telephony.voice_service import VoiceService as VoiceService
from telephony.voice_service import preload_voice as preload_voice

__all__ = [
    "AnsweringDecision",
    "CallEvent",
    "CallEventType",
    "CallSession",
    "Decision",
    "SignatureChecker",
    "SimulatorError",
    "VoiceService",
    "caller_turns",
    "decide",
    "office_staffed",
    "preload_voice",
    "report_call",
    "router",
    "run_simulator",
]
