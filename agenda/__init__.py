"""Agenda: the practice calendar (practitioners, schedules, slots, holds, bookings).

Public face: the names in ``__all__``; other components import nothing else from here.
"""

from agenda.models import AgendaBase

metadata = AgendaBase.metadata

__all__ = ["metadata"]
