"""FastAPI dependencies shared by every component's router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from core.context import AppContext
from core.practice import PracticeConfig
from core.settings import Settings


def get_context(request: Request) -> AppContext:
    """The app's context, set up in the lifespan."""
    context: AppContext = request.app.state.context
    return context


def get_settings_dep(context: Annotated[AppContext, Depends(get_context)]) -> Settings:
    """The process settings."""
    return context.settings


def get_practice(context: Annotated[AppContext, Depends(get_context)]) -> PracticeConfig:
    """The current practice configuration.

    A plain ``def`` on purpose: FastAPI runs it in a worker thread, off the event loop."""
    return context.practice


def get_session(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    """A database session committed when the request succeeds."""
    with context.db.session() as session:
        yield session


ContextDep = Annotated[AppContext, Depends(get_context)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PracticeDep = Annotated[PracticeConfig, Depends(get_practice)]
SessionDep = Annotated[Session, Depends(get_session)]

MAX_ROW_ID = 2**31 - 1
"""The largest id an INTEGER primary key holds on PostgreSQL (SQLite's are wider)."""
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A row id in a URL path: out of range is a 422, never a database overflow (a 500)."""
