"""Process settings, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


class Settings(BaseSettings):
    """Everything that differs between deployments; secrets never come from files in git."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    standardiste_config: Path = Field(default=PROJECT_ROOT / "config" / "practice.yaml")
    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'standardiste.db'}")
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
    rasa_model_dir: Path = VAR_DIR / "rasa-models"
    rasa_venv: Path = PROJECT_ROOT / ".venv-rasa"
    # Seconds the gateway waits for the Rasa server on one message before it falls back.
    rasa_timeout_s: float = 10.0

    @field_validator(
        "public_base_url",
        "twilio_auth_token",
        "standardiste_api_token",
        "standardiste_secret_key",
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
