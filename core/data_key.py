"""The data key: encrypts at rest what a stolen disk (or a stolen backup) would expose.

Fernet (AES-128-CBC with HMAC-SHA256: authenticated) from ``cryptography``. The keys come from
``STANDARDISTE_DATA_KEY`` (comma-separated, for a cluster: the same on every instance) or, when
unset, from ``<var>/data.key`` (one key a line, owner-only, created on first use by the server
or `make run`). The first key encrypts; every key decrypts, so rotating is: put a new key first,
run `standardiste keys rotate` (re-encrypts everything under it), then drop the old one
(docs/deployment.md). Keep a copy of the key apart from the server and its backups: without it
nothing encrypted can be read, with it a stolen backup can.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.settings import Settings

DATA_KEY_FILE = "data.key"


class DataKeyError(RuntimeError):
    """The data key is missing, malformed, or does not open what it was given."""


def data_key_path(settings: Settings) -> Path:
    """Where the key file is when ``STANDARDISTE_DATA_KEY`` is not set."""
    return Path(settings.standardiste_var_dir) / DATA_KEY_FILE


def new_data_key() -> str:
    """A fresh random key, as the key file and the environment variable hold it."""
    return Fernet.generate_key().decode("ascii")


def ensure_data_key(settings: Settings) -> Path | None:
    """Create the key file (0600) unless the environment gives the keys; returns its path."""
    if settings.standardiste_data_key is not None:
        return None
    path = data_key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path  # another process created it first
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(new_data_key() + "\n")
    return path


def data_keys(settings: Settings) -> tuple[str, ...]:
    """The keys, the encrypting one first.

    Raises:
        DataKeyError: the key file is readable by others, or holds no key.
    """
    if settings.standardiste_data_key is not None:
        raw = settings.standardiste_data_key.get_secret_value().replace("\n", ",").split(",")
        where = "STANDARDISTE_DATA_KEY"
    else:
        path = ensure_data_key(settings)
        assert path is not None
        if path.stat().st_mode & 0o077:
            raise DataKeyError(f"{path}: readable by others; chmod 600 it")
        raw = path.read_text(encoding="ascii").splitlines()
        where = str(path)
    keys = tuple(k.strip() for k in raw if k.strip() and not k.strip().startswith("#"))
    if not keys:
        raise DataKeyError(f"{where}: no key")
    return keys


@lru_cache(maxsize=16)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode("ascii")) for k in keys])
    except (ValueError, UnicodeEncodeError) as exc:
        raise DataKeyError("a data key is not a Fernet key (32 url-safe base64 bytes)") from exc


def data_key_source(settings: Settings) -> str:
    """Where the keys come from, for messages: the variable's name or the file's path."""
    if settings.standardiste_data_key is not None:
        return "STANDARDISTE_DATA_KEY"
    return str(data_key_path(settings))


def data_cipher(settings: Settings) -> MultiFernet:
    """The cipher of this deployment's data (see the module's notes).

    Raises:
        DataKeyError: naming the variable or file, and why.
    """
    keys = data_keys(settings)
    try:
        return _cipher(keys)
    except DataKeyError as exc:
        raise DataKeyError(f"{data_key_source(settings)}: {exc}") from None


def encrypt(settings: Settings, data: bytes) -> bytes:
    """``data`` encrypted and authenticated under the current key."""
    return data_cipher(settings).encrypt(data)


def decrypt(settings: Settings, token: bytes) -> bytes:
    """The plain bytes of a token made by `encrypt` under any of the keys.

    Raises:
        DataKeyError: no key opens it, or it was altered.
    """
    try:
        return data_cipher(settings).decrypt(token)
    except InvalidToken as exc:
        raise DataKeyError("the data key does not open this (wrong key, or altered)") from exc


# Which cipher a database or a data folder uses. The app registers its settings' cipher at
# start-up (`register_data_cipher`); code that only knows a database URL (an encrypted column)
# or a data folder (the spool, a recording) finds it here. Several apps in one process (tests)
# each keep their own; anything unregistered falls back on the process settings' key.
_REGISTERED: dict[str, MultiFernet] = {}


def _folder_key(var_dir: Path) -> str:
    return f"dir:{Path(var_dir).resolve()}"


def register_data_cipher(settings: Settings) -> MultiFernet:
    """Make this deployment's cipher the one of its database and its data folder."""
    from core.db import normalise_url

    cipher = data_cipher(settings)
    _REGISTERED[f"db:{normalise_url(settings.database_url)}"] = cipher
    _REGISTERED[_folder_key(settings.standardiste_var_dir)] = cipher
    return cipher


def cipher_for(*, url: str | None = None, var_dir: Path | None = None) -> MultiFernet:
    """The cipher registered for a database URL or a data folder (else the process's)."""
    from core.db import normalise_url
    from core.settings import get_settings

    if url is not None and (found := _REGISTERED.get(f"db:{normalise_url(url)}")):
        return found
    if var_dir is not None and (found := _REGISTERED.get(_folder_key(var_dir))):
        return found
    return data_cipher(get_settings())


TOKEN_PREFIX = b"gAAAAA"
"""How every Fernet token starts (its version byte, base64): plain data never does in practice
(a WAV starts with RIFF, JSON with ``{`` or ``[``)."""


def is_token(data: bytes | str) -> bool:
    """Whether stored data is encrypted (else: written before encryption was on)."""
    head = data[:6]
    return (head.encode("ascii", "replace") if isinstance(head, str) else head) == TOKEN_PREFIX
