"""Process settings, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


class Settings(BaseSettings):
    """Everything that differs between deployments; secrets never come from files in git."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    standardiste_config: Path = Field(default=PROJECT_ROOT / "config" / "practice.yaml")
    # Not in repr: a PostgreSQL URL carries its password.
    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'standardiste.db'}", repr=False)
    twilio_auth_token: SecretStr | None = None
    public_base_url: AnyHttpUrl | None = None
    rasa_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:5005"))
    standardiste_api_token: SecretStr | None = None
    # Signs what instances must agree on (e.g. Rasa's calls to the action endpoint); when unset,
    # a key is created under var/ (fine for one server, not for a cluster).
    standardiste_secret_key: SecretStr | None = None
    standardiste_host: str = "127.0.0.1"
    standardiste_port: int = 8000
    standardiste_log_level: str = "INFO"
    standardiste_var_dir: Path = VAR_DIR
    # Where `standardiste models download` puts the French models and where the engines look.
    vosk_model_path: Path = PROJECT_ROOT / "models" / "vosk-model-small-fr-0.22"
    piper_voice_path: Path = PROJECT_ROOT / "models" / "fr_FR-siwis-medium.onnx"
    # Vosk's decoding search; unset keeps the model's own (accurate) values. Tighter values
    # (e.g. max-active 1000, beam 8) halve recognition CPU, so more calls fit on the same
    # cores; check recognition on real calls before lowering them (docs/benchmarks.md).
    vosk_max_active: int | None = Field(default=None, ge=50, le=20000)
    vosk_min_active: int | None = Field(default=None, ge=0, le=5000)
    vosk_beam: float | None = Field(default=None, ge=3.0, le=30.0)
    vosk_lattice_beam: float | None = Field(default=None, ge=0.5, le=20.0)
    # Recognizers warmed at start-up, so the first calls do not pay a fresh recognizer's slow
    # first utterance; each warm one holds 0.1–0.2 GB. Set it to the lines you expect at once.
    vosk_warm_recognizers: int = Field(default=4, ge=0, le=64)
    rasa_model_dir: Path = VAR_DIR / "rasa-models"
    rasa_venv: Path = PROJECT_ROOT / ".venv-rasa"
    # Seconds the gateway waits for the Rasa server on one message before it falls back.
    rasa_timeout_s: float = 10.0
    # This gateway instance's name in call records (which instance holds a call's WebSocket).
    standardiste_instance: str = Field(default_factory=_default_instance, max_length=64)
    # While a call's WebSocket is open, its instance refreshes the call's heartbeat this often.
    standardiste_heartbeat_s: float = Field(default=10.0, gt=0)
    # Every instance sweeps this often for calls whose instance died, and closes those whose
    # heartbeat is older than the stale delay (or, never streamed, whose ringing is that old).
    standardiste_sweep_interval_s: float = Field(default=30.0, gt=0)
    standardiste_stale_after_s: float = Field(default=60.0, gt=0)
    standardiste_ringing_timeout_s: float = Field(default=120.0, gt=0)
    # The chat on the practice's website: a conversation left this long without a message
    # expires (what it asked for goes to the inbox); how many conversations one client address
    # may open per 10 minutes, and how many messages per minute an address and a conversation
    # may send, counted in the database so that every instance applies the same limits.
    website_chat_idle_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    website_chat_starts_per_address: int = Field(default=10, ge=1)
    website_chat_turns_per_address: int = Field(default=60, ge=1)
    website_chat_turns_per_conversation: int = Field(default=20, ge=1)

    @field_validator(
        "public_base_url",
        "twilio_auth_token",
        "standardiste_api_token",
        "standardiste_secret_key",
        "vosk_max_active",
        "vosk_min_active",
        "vosk_beam",
        "vosk_lattice_beam",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `.env.example` leaves these empty: an empty value means "not configured".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_base_url")
    @classmethod
    def _https_only(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and value.scheme != "https":
            raise ValueError("must be the https:// address Twilio calls")
        return value

    @property
    def public_base(self) -> str | None:
        """The public base URL without its trailing slash."""
        if self.public_base_url is None:
            return None
        return str(self.public_base_url).rstrip("/")

    @property
    def rasa_base(self) -> str:
        """The Rasa server base URL without its trailing slash."""
        return str(self.rasa_url).rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings`)."""
    return Settings()
