"""Staff web: accounts, login and sessions, every staff page (inbox, « Aujourd'hui », settings,
the softphone, statistics, calls to review), the base layout.

Public face: the names in ``__all__``. A page drawn outside ``staff/`` would render with
`StaffTemplates` and protect itself with `PageSession`.
"""

from staff.accounts import AccountError as AccountError
from staff.accounts import StaffUser as StaffUser
from staff.accounts import add_account as add_account
from staff.accounts import authenticate as authenticate
from staff.accounts import list_accounts as list_accounts
from staff.accounts import set_password as set_password
from staff.api import register_session_resolver as register_session_resolver
from staff.api import router as router
from staff.audit import cli_actor as cli_actor
from staff.auth_web import PageSession as PageSession
from staff.auth_web import SettingsSession as SettingsSession
from staff.auth_web import resolve_principal as resolve_principal
from staff.commands import NotMigratedError as NotMigratedError
from staff.commands import change_password as change_password
from staff.commands import change_role as change_role
from staff.commands import create_user as create_user
from staff.commands import enable_user as enable_user
from staff.commands import reset_password as reset_password
from staff.commands import users as users
from staff.models import Role as Role
from staff.models import StaffBase
from staff.passwords import WeakPasswordError as WeakPasswordError
from staff.patient_rights import BadIdentityError as BadIdentityError
from staff.patient_rights import Identity as Identity
from staff.patient_rights import PatientNotFoundError as PatientNotFoundError
from staff.patient_rights import erase_patient as erase_patient
from staff.patient_rights import export_patient as export_patient
from staff.security import SecurityHeadersMiddleware as SecurityHeadersMiddleware
from staff.security import with_security_headers as with_security_headers
from staff.sessions import OpenSession as OpenSession
from staff.stats_figures import SmsFigures as SmsFigures
from staff.stats_figures import SmsFiguresSource as SmsFiguresSource
from staff.stats_figures import register_sms_figures as register_sms_figures
from staff.templating import StaffTemplates as StaffTemplates

metadata = StaffBase.metadata

__all__ = [
    "AccountError",
    "BadIdentityError",
    "Identity",
    "NotMigratedError",
    "OpenSession",
    "PageSession",
    "PatientNotFoundError",
    "Role",
    "SecurityHeadersMiddleware",
    "SettingsSession",
    "SmsFigures",
    "SmsFiguresSource",
    "StaffTemplates",
    "StaffUser",
    "WeakPasswordError",
    "add_account",
    "authenticate",
    "change_password",
    "change_role",
    "cli_actor",
    "create_user",
    "enable_user",
    "erase_patient",
    "export_patient",
    "list_accounts",
    "metadata",
    "register_session_resolver",
    "register_sms_figures",
    "reset_password",
    "resolve_principal",
    "router",
    "set_password",
    "users",
    "with_security_headers",
]
