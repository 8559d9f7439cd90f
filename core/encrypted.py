"""Encrypted columns: text and JSON stored as Fernet tokens (see `core.data_key`).

What a column holds is only readable with the data key, so a copied database file or dump
exposes no transcript or message. Such columns cannot be searched or sorted in SQL: only
free text is encrypted (turns, message bodies, summaries); the identity fields the product
looks patients up by (number, names, birth date) stay in clear (docs/security.md). Values
written before encryption was turned on are still read (and re-encrypted by the migration).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

from core.data_key import DataKeyError, cipher_for, is_token

DIALECT_URL = "standardiste_url"
"""The attribute `core.db.make_engine` sets on an engine's dialect: its database URL."""


def _cipher_of(dialect: Dialect) -> Any:
    return cipher_for(url=getattr(dialect, DIALECT_URL, None))


def _open(dialect: Dialect, value: str) -> str:
    if not is_token(value):
        return value
    try:
        return str(_cipher_of(dialect).decrypt(value.encode("ascii")).decode("utf-8"))
    except InvalidToken as exc:
        raise DataKeyError("an encrypted column does not open with the data key") from exc


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        if value is None:
            return None
        return str(_cipher_of(dialect).encrypt(value.encode("utf-8")).decode("ascii"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        return None if value is None else _open(dialect, value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document stored encrypted (as text)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Serialise, then encrypt."""
        if value is None:
            return None
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return str(_cipher_of(dialect).encrypt(data).decode("ascii"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        """Decrypt, then parse."""
        return None if value is None else json.loads(_open(dialect, value))
