"""The deployment's secret key, and the per-purpose tokens derived from it.

Set ``STANDARDISTE_SECRET_KEY`` (the same on every instance of a cluster). On a single server it
may be left unset: a random key is then created once under ``var/`` (readable by the owner only).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from core.settings import Settings


def secret_key(settings: Settings) -> bytes:
    """The configured key, or the one kept in ``var/secret.key`` (created on first use)."""
    if settings.standardiste_secret_key is not None:
        return settings.standardiste_secret_key.get_secret_value().encode()
    path = Path(settings.standardiste_var_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode()


def derived_token(settings: Settings, purpose: str) -> str:
    """A stable secret token for one purpose (e.g. Rasa's calls to the action endpoint)."""
    return hmac.new(secret_key(settings), purpose.encode(), hashlib.sha256).hexdigest()
