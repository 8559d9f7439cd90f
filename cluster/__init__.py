"""The production topology on one machine's loopback: PostgreSQL, Redis, one Rasa server, several
gateways and nginx in front, started together by honcho (`make run-cluster`).

Public face: the names in ``__all__``. See docs/deployment.md.
"""

from cluster.launcher import Cluster as Cluster
from cluster.launcher import run as run
from cluster.postgres import PostgresServer as PostgresServer
from cluster.settings import ClusterSettings as ClusterSettings
from cluster.topology import RASA_DB as RASA_DB
from cluster.topology import database_url as database_url
from cluster.topology import prepare as prepare

__all__ = [
    "RASA_DB",
    "Cluster",
    "ClusterSettings",
    "PostgresServer",
    "database_url",
    "prepare",
    "run",
]
