"""A throwaway PostgreSQL server in a temporary directory (tests and benchmarks).

The one implementation lives in the cluster component (`cluster.PostgresServer`): without a
folder it works in a temporary directory, deleted when the server stops.
"""

from __future__ import annotations

from cluster import PostgresServer

__all__ = ["PostgresServer"]
