"""Tables owned by the agenda component (filled by the agenda issue)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from standardiste.db import component_metadata


class AgendaBase(DeclarativeBase):
    """Declarative base of the agenda tables."""

    metadata = component_metadata()
