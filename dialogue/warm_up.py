"""What a caller's first turn would otherwise wait for, done once as a gateway starts."""

from __future__ import annotations

import datetime as dt

from dialogue.french.duckling_time import time_mentions
from dialogue.safety import prepare_safety_net


def prepare_dialogue() -> None:
    """Compile the safety net, train its classifier and load Duckling, in the caller's stead.

    Each would otherwise happen on a first call: the net in the gateway's first screening, and
    Duckling's time zones and locale (about 0.1 s) inside the first action webhook that reads a
    time, on the event loop that carries every call's audio.
    """
    prepare_safety_net()
    time_mentions("jeudi prochain à dix heures", dt.datetime.now(dt.UTC), "Europe/Paris")
