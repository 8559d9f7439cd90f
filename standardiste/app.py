"""The gateway: one FastAPI app that mounts each component's router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

import agenda
import dialogue
import notifications
import staff
import telephony
import transcripts
from core import (
    AppContext,
    ConfigError,
    Database,
    DataKeyError,
    PracticeStore,
    Settings,
    __version__,
    get_settings,
    load_practice,
    register_data_cipher,
)
from standardiste import health

PRACTICE_CACHE_FILE = "practice-settings.json"
"""The last practice settings read, for calls answered while the database is down."""


def build_context(settings: Settings) -> AppContext:
    """Load the practice file, open the database and seed the settings from the file if empty.

    Raises `ConfigError` for a bad file and `NotMigratedError` for an unmigrated database; a
    database that does not answer leaves the settings to the last copy read (see
    `core.PracticeStore`).
    """
    seed = load_practice(settings.standardiste_config)
    # The data key (created under var/ on first use) encrypts this instance's data at rest.
    try:
        register_data_cipher(settings)
    except DataKeyError as exc:
        raise ConfigError("data key", [str(exc)]) from None
    db = Database(settings.database_url)
    store = PracticeStore(
        db, seed, cache_file=settings.standardiste_var_dir / PRACTICE_CACHE_FILE
    )
    store.ensure_seeded()
    return AppContext(settings=settings, db=db, practice_store=store)


def _emergency_kind(text: str) -> str | None:
    """The dialogue's emergency net for a patient's text: which answer is due, if any."""
    hit = dialogue.check_emergency(text)
    return hit.kind.value if hit is not None else None


def create_app(settings: Settings | None = None, context: AppContext | None = None) -> FastAPI:
    """Assemble the app; the context is built up front so that bad config fails before serving."""
    context = context or build_context(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.context = context
        await run_in_threadpool(dialogue.prepare_dialogue)
        try:
            yield
        finally:
            await context.http.aclose()
            context.db.dispose()

    app = FastAPI(
        title="Standardiste",
        version=__version__,
        summary="Assistant téléphonique auto-hébergé pour cabinet médical",
        lifespan=lifespan,
        # The interactive docs pages load their scripts from a CDN, and the schema describes
        # staff routes: only the schema is served, to staff (see `health.openapi_schema`).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.context = context
    app.include_router(health.router)
    app.include_router(telephony.router)
    app.include_router(dialogue.router)
    app.include_router(dialogue.chat_router)
    app.include_router(dialogue.website_router)
    app.include_router(transcripts.router)
    app.include_router(agenda.router)
    app.include_router(notifications.sms_router(emergency=_emergency_kind))
    staff.register_session_resolver()
    app.include_router(staff.router)
    app.add_middleware(staff.SecurityHeadersMiddleware)
    return app
