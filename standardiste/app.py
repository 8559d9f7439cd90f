"""The gateway: one FastAPI app that mounts each component's router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import dialogue
import telephony
from standardiste import __version__, health
from standardiste.context import AppContext
from standardiste.db import Database
from standardiste.practice import load_practice
from standardiste.settings import Settings, get_settings


def build_context(settings: Settings) -> AppContext:
    """Load the practice configuration and open the database (raises `ConfigError`)."""
    practice = load_practice(settings.standardiste_config)
    return AppContext(settings=settings, db=Database(settings.database_url), practice=practice)


def create_app(settings: Settings | None = None, context: AppContext | None = None) -> FastAPI:
    """Assemble the app; the context is built up front so that bad config fails before serving."""
    context = context or build_context(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.context = context
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
    )
    app.state.context = context
    app.include_router(health.router)
    app.include_router(telephony.router)
    app.include_router(dialogue.router)
    return app
