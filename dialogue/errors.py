"""Dialogue errors, each with a stable code; the session turns them into a French fallback."""

from __future__ import annotations


class DialogueError(Exception):
    """Base of the dialogue's errors: a stable ``code`` and a message for logs."""

    code = "dialogue-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RasaUnavailableError(DialogueError):
    """The Rasa server did not answer in time (down, overloaded, timed out)."""

    code = "rasa-unavailable"


class RasaBadResponseError(DialogueError):
    """The Rasa server answered, but with an error status or a body we cannot read."""

    code = "rasa-bad-response"


class EmptyReplyError(DialogueError):
    """The dialogue produced nothing to say (a failed action): never leave the caller silent."""

    code = "empty-reply"


class DatabaseUnavailableError(DialogueError):
    """The database did not answer: the turn's writes were spooled (`transcripts.Spool`)."""

    code = "database-unavailable"
