"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
"""Shortest password `standardiste user add` accepts (ANSSI's guidance for a memorised secret)."""
MAX_LENGTH = 1024
"""Longer inputs are refused before hashing, so nobody can make the server hash megabytes."""

_HASHER = PasswordHasher()
# Verified against when the username is unknown, so that a wrong name and a wrong password
# take the same time.
_DUMMY_HASH = _HASHER.hash("standardiste-dummy-password")


class WeakPasswordError(ValueError):
    """A password too short or too long to be accepted."""


def check_strength(password: str) -> None:
    """Raise `WeakPasswordError` when ``password`` may not be used."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"at least {MIN_LENGTH} characters are needed")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"at most {MAX_LENGTH} characters are accepted")


def hash_password(password: str) -> str:
    """The Argon2id hash of a password that passed `check_strength`."""
    check_strength(password)
    return str(_HASHER.hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash still costs one verification."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return bool(_HASHER.verify(password_hash or _DUMMY_HASH, password)) and bool(
            password_hash
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def rehash_if_needed(password_hash: str, password: str) -> str | None:
    """A new hash of a just-verified password when the old one used weaker parameters."""
    if _HASHER.check_needs_rehash(password_hash):
        return str(_HASHER.hash(password))
    return None
