"""The staff web's router: login, the inbox, « Aujourd'hui », settings, the softphone, the
statistics and the review queue (and ``/api/stats``), and the static files of every page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from core import STAFF_SESSION_RESOLVERS
from staff import (
    admin_pages,
    inbox_pages,
    login_pages,
    review_pages,
    settings_pages,
    softphone_page,
    stats_api,
    stats_pages,
    today_pages,
)
from staff.auth_web import resolve_principal
from staff.templating import STATIC_PREFIX

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = APIRouter()
router.include_router(login_pages.router)
router.include_router(settings_pages.router)
router.include_router(softphone_page.router)
router.include_router(inbox_pages.router)
router.include_router(today_pages.router)
router.include_router(stats_pages.router)
router.include_router(review_pages.router)
router.include_router(stats_api.router)
router.include_router(admin_pages.router)
router.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="staff-static")


def register_session_resolver() -> None:
    """Let every `StaffDep` route accept a logged-in browser (idempotent)."""
    if resolve_principal not in STAFF_SESSION_RESOLVERS:
        STAFF_SESSION_RESOLVERS.append(resolve_principal)
