"""The inbox pages (secretaries): messages, the day's phone bookings, patients to verify.

`router` is what the app includes; its lifespan also runs the hourly retention purge.
"""

from fastapi import APIRouter

from transcripts.retention import retention_lifespan
from transcripts.web import inbox_pages, today_pages

router = APIRouter(lifespan=retention_lifespan)
router.include_router(inbox_pages.router)
router.include_router(today_pages.router)

__all__ = ["router"]
