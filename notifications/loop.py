"""The dispatcher each gateway instance runs: schedule and send texts every few seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from starlette.concurrency import run_in_threadpool

from core import AppContext, PracticeConfig
from notifications.dispatch import BATCH, MAX_BATCHES, run_pass
from notifications.messaging import Messaging, TwilioMessaging
from notifications.retention import purge_texts

_LOGGER = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0


def messaging_for(context: AppContext) -> Messaging | None:
    """Twilio Messaging when the settings allow it, else None (texts wait, and it is logged)."""
    return TwilioMessaging(context.settings) if context.settings.sms_configured else None


def _purge(context: AppContext) -> int:
    with context.db.session() as session:
        return purge_texts(session, context.practice.retention)


def _warn_unconfigured(practice: PracticeConfig) -> None:
    sms = practice.sms
    if sms.confirmations or sms.reminders or sms.ready:
        _LOGGER.warning(
            "texts are on in the practice settings but cannot be sent: set TWILIO_ACCOUNT_SID, "
            "TWILIO_MESSAGING_FROM or TWILIO_MESSAGING_SERVICE_SID, and TWILIO_AUTH_TOKEN (or "
            "TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET) in .env")


async def dispatch_forever(context: AppContext, messaging: Messaging | None = None) -> None:
    """Run a pass every ``STANDARDISTE_SMS_INTERVAL_S`` (at once again after a full batch),
    and purge old texts hourly, until cancelled; a failed pass is logged and tried again."""
    messaging = messaging or messaging_for(context)
    interval = context.settings.standardiste_sms_interval_s
    last_purge = last_warning = time.monotonic() - PURGE_EVERY_S
    while True:
        busy = False
        try:
            report = await run_in_threadpool(run_pass, context, messaging)
            done = report.sent + report.found + report.failed + report.skipped + report.retrying
            busy = done >= BATCH * MAX_BATCHES
            if time.monotonic() - last_purge >= PURGE_EVERY_S:
                await run_in_threadpool(_purge, context)
                last_purge = time.monotonic()
            if messaging is None and time.monotonic() - last_warning >= PURGE_EVERY_S:
                _warn_unconfigured(await context.fetch_practice())
                last_warning = time.monotonic()
        except Exception as exc:  # no traceback: database errors may quote a patient's data
            _LOGGER.warning("text dispatch failed; next pass later", extra={
                "error": type(exc).__name__, "at": dt.datetime.now(dt.UTC).isoformat()})
        await asyncio.sleep(0 if busy else interval)
