"""Dialogue: the Rasa project, its custom actions, and the client the call session uses.

Public face: the names in ``__all__``.
"""

from dialogue.action_endpoint import router as router

__all__ = ["router"]
