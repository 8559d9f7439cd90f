"""`standardiste run` with the stand-in Rasa process (`tests.doubles.rasa_status`): the same
supervisor, the same real gateway child, the settings from the environment."""

from __future__ import annotations

import sys

from core import get_settings
from standardiste.server import run_all
from standardiste.supervisor import ChildSpec


def main() -> None:
    settings = get_settings()
    port = settings.rasa_url.port or 5005
    rasa = ChildSpec("rasa", [sys.executable, "-m", "tests.doubles.rasa_status", str(port)])
    sys.exit(run_all(settings, rasa=rasa))


if __name__ == "__main__":
    main()
