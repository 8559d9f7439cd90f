"""The ground floor: what every component may use, and which uses no component.

Settings, the database and its sessions, the practice model and its store, answering hours,
staff authentication primitives, privacy masking, metrics and logs, the secret key, and the check
of Twilio's request signatures (the voice webhooks in telephony, the SMS ones in notifications),
and free loopback ports for the servers that tests, benchmarks and the local cluster start.
Other packages import these names from ``core`` only, never from its modules.
"""

from core.answering_hours import (
    AnsweringDecision,
    Decision,
    decide,
    is_practice_closed,
    office_staffed,
    public_holiday,
)
from core.auth import API_PRINCIPAL, STAFF_SESSION_RESOLVERS, Principal, StaffDep, require_staff
from core.context import AppContext
from core.data_key import DataKeyError as DataKeyError
from core.data_key import cipher_for as cipher_for
from core.data_key import data_cipher as data_cipher
from core.data_key import data_key_path as data_key_path
from core.data_key import data_key_source as data_key_source
from core.data_key import data_keys as data_keys
from core.data_key import decrypt as decrypt
from core.data_key import encrypt as encrypt
from core.data_key import ensure_data_key as ensure_data_key
from core.data_key import is_token as is_token
from core.data_key import new_data_key as new_data_key
from core.data_key import register_data_cipher as register_data_cipher
from core.db import Database, UTCDateTime, component_metadata, make_engine, normalise_url
from core.deps import (
    MAX_ROW_ID,
    ContextDep,
    PracticeDep,
    RowId,
    SessionDep,
    SettingsDep,
    get_context,
)
from core.encrypted import EncryptedJSON as EncryptedJSON
from core.encrypted import EncryptedText as EncryptedText
from core.heap import settle_heap as settle_heap
from core.logs import JsonFormatter, configure_logging
from core.metrics import (
    CALL_OUTCOMES,
    CALLS,
    RECOGNITION_CALLS_MOVED,
    RECOGNITION_UTTERANCES_LOST,
    RECOGNITION_WORKER_EXITS,
    RECOGNITION_WORKER_RESTARTS,
    RECOGNITION_WORKERS_UP,
    SMS_REPLIES,
    SMS_TEXTS,
    SWEPT_CALLS,
    TURN_LATENCY,
    TURN_STAGE,
    TURNS,
    WEBHOOK_REJECTED,
)
from core.ports import free_port as free_port
from core.ports import free_ports as free_ports
from core.practice import (
    Answering,
    AnsweringMode,
    AppointmentType,
    Booking,
    Closure,
    EmergencyNumbers,
    OutsideHours,
    OutsideHoursAction,
    PracticeConfig,
    PracticeInfo,
    Practitioner,
    Recording,
    Retention,
    Sms,
    Statistics,
    Website,
    missing_emergency_numbers,
)
from core.practice_hours import WEEKDAYS, TimeRange, WeeklyHours
from core.practice_loading import ConfigError, load_practice, parse_practice
from core.practice_store import NotMigratedError, PracticeStore, ShellBase, StaleSettingsError
from core.privacy import PhoneMaskingFilter, display_phone, mask_phone, mask_text
from core.secret_key import derived_token, secret_key
from core.settings import PROJECT_ROOT, TWILIO_API, VAR_DIR, Settings, get_settings
from core.twilio_signature import SIGNATURE_HEADER, SignatureChecker
from core.twilio_webhooks import CheckerDep, SignedForm, get_checker, signed_form
from core.version import __version__
from core.yaml_text import load_yaml as load_yaml

__all__ = [
    "API_PRINCIPAL",
    "CALLS",
    "CALL_OUTCOMES",
    "MAX_ROW_ID",
    "PROJECT_ROOT",
    "RECOGNITION_CALLS_MOVED",
    "RECOGNITION_UTTERANCES_LOST",
    "RECOGNITION_WORKERS_UP",
    "RECOGNITION_WORKER_EXITS",
    "RECOGNITION_WORKER_RESTARTS",
    "SIGNATURE_HEADER",
    "SMS_REPLIES",
    "SMS_TEXTS",
    "STAFF_SESSION_RESOLVERS",
    "SWEPT_CALLS",
    "TURNS",
    "TURN_LATENCY",
    "TURN_STAGE",
    "TWILIO_API",
    "VAR_DIR",
    "WEBHOOK_REJECTED",
    "WEEKDAYS",
    "Answering",
    "AnsweringDecision",
    "AnsweringMode",
    "AppContext",
    "AppointmentType",
    "Booking",
    "CheckerDep",
    "Closure",
    "ConfigError",
    "ContextDep",
    "DataKeyError",
    "Database",
    "Decision",
    "EmergencyNumbers",
    "EncryptedJSON",
    "EncryptedText",
    "JsonFormatter",
    "NotMigratedError",
    "OutsideHours",
    "OutsideHoursAction",
    "PhoneMaskingFilter",
    "PracticeConfig",
    "PracticeDep",
    "PracticeInfo",
    "PracticeStore",
    "Practitioner",
    "Principal",
    "Recording",
    "Retention",
    "RowId",
    "SessionDep",
    "Settings",
    "SettingsDep",
    "ShellBase",
    "SignatureChecker",
    "SignedForm",
    "Sms",
    "StaffDep",
    "StaleSettingsError",
    "Statistics",
    "TimeRange",
    "UTCDateTime",
    "Website",
    "WeeklyHours",
    "__version__",
    "cipher_for",
    "component_metadata",
    "configure_logging",
    "data_cipher",
    "data_key_path",
    "data_key_source",
    "data_keys",
    "decide",
    "decrypt",
    "derived_token",
    "display_phone",
    "encrypt",
    "ensure_data_key",
    "free_port",
    "free_ports",
    "get_checker",
    "get_context",
    "get_settings",
    "is_practice_closed",
    "is_token",
    "load_practice",
    "load_yaml",
    "make_engine",
    "mask_phone",
    "mask_text",
    "missing_emergency_numbers",
    "new_data_key",
    "normalise_url",
    "office_staffed",
    "parse_practice",
    "public_holiday",
    "register_data_cipher",
    "require_staff",
    "secret_key",
    "settle_heap",
    "signed_form",
]
