"""``python -m cluster run`` (what `make run-cluster` runs), and the Procfile's roles."""

from __future__ import annotations

import argparse
import sys

from cluster import roles
from cluster.launcher import run
from cluster.settings import ClusterSettings
from core import Settings


def main(argv: list[str]) -> int:
    """Dispatch ``run`` (the whole cluster) or one role (``db``, ``gateway``, ``rasa``)."""
    parser = argparse.ArgumentParser(prog="python -m cluster")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the whole cluster (Ctrl-C stops it)")
    commands.add_parser("db", help="PostgreSQL in the foreground, databases created and migrated")
    gateway = commands.add_parser("gateway", help="wait for the database, then serve")
    gateway.add_argument("--port", type=int, required=True)
    rasa = commands.add_parser("rasa", help="run Rasa in its environment")
    rasa.add_argument("rasa_command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cluster = ClusterSettings()
    if args.command == "run":
        run(cluster, Settings())
    elif args.command == "db":
        return roles.run_db(cluster)
    elif args.command == "gateway":
        roles.run_gateway(cluster, args.port)
    else:
        command = [part for part in args.rasa_command if part != "--"]
        roles.run_rasa(command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
