"""A long-running process's start-up heap, kept out of the garbage collector's full passes.

A gateway holds a quarter of a million Python objects once its safety net, classifier and
speech engines are ready, and none of them is ever freed. CPython's full collection walks them
all: 0.14 s on an idle core, 0.3 s under a burst of callers, during which the event loop, and
every caller's turn with it, stands still (traced in the voice benchmark: one pause of 307 ms in
the middle of 16 lockstep turns). Freezing them after start-up moves them out of the
collector's sight; what calls allocate later is still collected as before.
"""

from __future__ import annotations

import gc
import logging

_LOGGER = logging.getLogger(__name__)


def settle_heap(stage: str) -> int:
    """Collect start-up's garbage, then freeze every object left (they live as long as the
    process). Call it again after a later stage of start-up: each call freezes what came since.

    Returns how many objects are frozen in all.
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    _LOGGER.info("heap settled after %s: %d objects kept out of collections", stage, frozen)
    return frozen
