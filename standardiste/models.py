"""Every component's table metadata, gathered for Alembic and schema checks."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> list[MetaData]:
    """The metadata of every component that owns tables."""
    from agenda import metadata as agenda_metadata
    from core import ShellBase
    from dialogue import metadata as dialogue_metadata
    from notifications import metadata as notifications_metadata
    from staff import metadata as staff_metadata
    from transcripts import metadata as transcripts_metadata

    return [
        ShellBase.metadata, agenda_metadata, transcripts_metadata, staff_metadata,
        notifications_metadata,
        dialogue_metadata,
    ]
