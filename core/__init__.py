"""The ground floor: what every component may use, and which uses no component.

Settings, the database and its sessions, the practice model and its store, answering hours,
staff authentication primitives, privacy masking, metrics and logs, the secret key. Other
packages import these names from ``core`` only, never from its modules.
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
from core.db import Database, component_metadata, make_engine, normalise_url
from core.deps import (
    MAX_ROW_ID,
    ContextDep,
    PracticeDep,
    RowId,
    SessionDep,
    SettingsDep,
    get_context,
)
from core.logs import JsonFormatter, configure_logging
from core.metrics import (
    CALL_OUTCOMES,
    CALLS,
    SWEPT_CALLS,
    TURN_LATENCY,
    TURNS,
    WEBHOOK_REJECTED,
)
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
    missing_emergency_numbers,
)
from core.practice_hours import WEEKDAYS, TimeRange, WeeklyHours
from core.practice_loading import ConfigError, load_practice, parse_practice
from core.practice_store import NotMigratedError, PracticeStore, ShellBase, StaleSettingsError
from core.privacy import PhoneMaskingFilter, mask_phone, mask_text
from core.secret_key import derived_token, secret_key
from core.settings import PROJECT_ROOT, VAR_DIR, Settings, get_settings
from core.version import __version__

__all__ = [
    "API_PRINCIPAL",
    "CALLS",
    "CALL_OUTCOMES",
    "MAX_ROW_ID",
    "PROJECT_ROOT",
    "STAFF_SESSION_RESOLVERS",
    "SWEPT_CALLS",
    "TURNS",
    "TURN_LATENCY",
    "VAR_DIR",
    "WEBHOOK_REJECTED",
    "WEEKDAYS",
    "Answering",
    "AnsweringDecision",
    "AnsweringMode",
    "AppContext",
    "AppointmentType",
    "Booking",
    "Closure",
    "ConfigError",
    "ContextDep",
    "Database",
    "Decision",
    "EmergencyNumbers",
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
    "StaffDep",
    "StaleSettingsError",
    "TimeRange",
    "WeeklyHours",
    "__version__",
    "component_metadata",
    "configure_logging",
    "decide",
    "derived_token",
    "get_context",
    "get_settings",
    "is_practice_closed",
    "load_practice",
    "make_engine",
    "mask_phone",
    "mask_text",
    "missing_emergency_numbers",
    "normalise_url",
    "office_staffed",
    "parse_practice",
    "public_holiday",
    "require_staff",
    "secret_key",
]
