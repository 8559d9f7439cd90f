"""Standardiste's assembly: the app that mounts each component's router, the server and its
supervision, the command line, health, the sweeper loop, doctor and the database migrations.

Components never import this package; the cluster launcher uses its migrations.
"""

from core import __version__
from standardiste.migrate import alembic_config, downgrade, upgrade

__all__ = ["__version__", "alembic_config", "downgrade", "upgrade"]
