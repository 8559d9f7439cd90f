"""Telephony: Twilio webhooks and media stream, audio, voice activity, recognition and synthesis.

Public face: the names in ``__all__``.
"""

from telephony.api import router as router
from telephony.call_events import CallEvent as CallEvent
from telephony.call_events import CallEventType as CallEventType
from telephony.session import CallSession as CallSession
from telephony.signature import SignatureChecker as SignatureChecker
from telephony.simulator import SimulatorError as SimulatorError
from telephony.simulator import caller_turns as caller_turns
from telephony.simulator import report as report_call
from telephony.simulator import run_simulator as run_simulator
from telephony.speech_models import ModelMissingError as ModelMissingError
from telephony.speech_models import SpeechModels as SpeechModels
from telephony.speech_models import announce_speech_models as announce_speech_models
from telephony.speech_models import resolve_speech_models as resolve_speech_models
from telephony.voice_service import VoiceService as VoiceService
from telephony.voice_service import preload_voice as preload_voice

__all__ = [
    "CallEvent",
    "CallEventType",
    "CallSession",
    "ModelMissingError",
    "SignatureChecker",
    "SimulatorError",
    "SpeechModels",
    "VoiceService",
    "announce_speech_models",
    "caller_turns",
    "preload_voice",
    "report_call",
    "resolve_speech_models",
    "router",
    "run_simulator",
]
