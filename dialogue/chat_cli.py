"""`standardiste chat`: talk to the running assistant from the terminal, through /api/chat.

It is a client of the gateway (the actions run there, beside the database), using the API token.
An empty line is a silence, ``#`` followed by digits is the keypad, Ctrl-D hangs up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


class ChatError(RuntimeError):
    """The gateway refused or could not be reached."""


def _replies(body: dict[str, Any]) -> list[str]:
    return [str(r["text"]) for r in body.get("replies", [])]


def run_chat(
    base_url: str,
    token: str | None,
    *,
    caller: str | None,
    at: str | None,
    read: Callable[[], str],
    write: Callable[[str], None],
    timeout: float = 30.0,
) -> str:
    """Hold one conversation; returns its session id.

    Args:
        base_url: The gateway, e.g. ``http://127.0.0.1:8000``.
        token: STANDARDISTE_API_TOKEN.
        caller: The caller's number to pretend, if any.
        at: An ISO moment to pretend the call happens at, if any.
        read: Returns the next line typed (raises EOFError on Ctrl-D).
        write: Prints one line.
        timeout: Seconds to wait for each answer.

    Raises:
        ChatError: The gateway refused (bad token) or could not be reached.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout) as http:
        body = _post(http, "/api/chat", {"caller": caller, "at": at})
        session_id = str(body["session_id"])
        for line in _replies(body):
            write(f"assistant > {line}")
        ended = bool(body.get("ended"))
        while not ended:
            try:
                typed = read()
            except (EOFError, KeyboardInterrupt):
                http.delete(f"/api/chat/{session_id}")
                write("(raccroché)")
                break
            payload: dict[str, Any]
            if not typed.strip():
                payload = {"silence": True}
            elif typed.strip().startswith("#"):
                payload = {"digits": typed.strip()[1:] or "#"}
            else:
                payload = {"text": typed}
            body = _post(http, f"/api/chat/{session_id}", payload)
            for line in _replies(body):
                write(f"assistant > {line}")
            ended = bool(body.get("ended"))
            if body.get("transfer_to"):
                write(f"(transfert vers {body['transfer_to']})")
        return session_id


def _post(http: httpx.Client, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        reply = http.post(path, json=payload)
    except httpx.HTTPError as exc:
        raise ChatError(f"gateway unreachable at {http.base_url}: {type(exc).__name__}") from exc
    if reply.status_code == 401:
        raise ChatError("refused: set STANDARDISTE_API_TOKEN (the gateway's API token)")
    if reply.status_code >= 400:
        raise ChatError(f"gateway answered HTTP {reply.status_code}: {reply.text[:200]}")
    body: dict[str, Any] = reply.json()
    return body
