"""Process settings, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import re
import socket
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
TWILIO_API = "https://api.twilio.com"


def _default_instance() -> str:
    # Stable across restarts (not the pid): a restarted instance finds its own spool again.
    return socket.gethostname()[:64] or "standardiste"


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
    # Rasa replicas sharing one tracker store and one lock store, comma-separated: each
    # conversation always goes to the same one (by its id), so its turns never race across
    # servers and its tracker stays warm there. Unset: RASA_URL alone.
    rasa_urls: Annotated[list[AnyHttpUrl], NoDecode] = Field(default_factory=list)
    standardiste_api_token: SecretStr | None = None
    # Signs what instances must agree on (e.g. Rasa's calls to the action endpoint); when unset,
    # a key is created under var/ (fine for one server, not for a cluster).
    standardiste_secret_key: SecretStr | None = None
    # Encrypts what a stolen disk would expose (recordings, spool, transcripts and message
    # bodies): Fernet keys, comma-separated, the first one encrypting (rotation: put a new key
    # first, run `standardiste keys rotate`, then drop the old one). Unset: var/data.key (0600),
    # created on first use. Keep a copy apart from the backups: without it they are unreadable.
    standardiste_data_key: SecretStr | None = None
    # Rasa's tracker store (every conversation's events): a SQLite file or a postgresql:// URL.
    # Unset: var/rasa-tracker.db, or, on PostgreSQL, the gateway's own database. The retention
    # purge and patient erasure delete its rows, so it must be the store Rasa really uses.
    rasa_tracker_store: str | None = Field(default=None, repr=False)
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
    # Under load, utterances start on a tight search (max-active 1000, beam 8: ~55 % of the
    # CPU) instead of waiting behind each other; the search above is kept whenever the cores
    # can afford it. Costs a second copy of the model per worker (~0.5 GB). On: on the quiet
    # machine 16 callers finishing at once were answered in 1.6 s p95 instead of 2.1 s
    # (docs/benchmarks.md, "Voice: callers at once").
    vosk_adaptive_search: bool = True
    # Recognizers warmed at start-up (in the background, at low priority), so that a burst of
    # calls soon after start-up does not pay fresh recognizers' slow first utterances (3× the
    # CPU: the 16 callers of the goals would then queue for seconds); 16 rather than 4 cost
    # 0.37 GB more per recognition worker (both searches). Set it to the lines you expect at once.
    vosk_warm_recognizers: int = Field(default=16, ge=0, le=64)
    # Recognition runs in this many worker processes, each with its own copy of the model, so
    # that a crash inside Vosk costs one worker's utterances in flight, never the gateway and
    # its calls. 0 runs it in the gateway's own process (tests and comparisons only).
    vosk_workers: int = Field(default=2, ge=0, le=16)
    rasa_model_dir: Path = VAR_DIR / "rasa-models"
    rasa_venv: Path = PROJECT_ROOT / ".venv-rasa"
    # Seconds the gateway waits for the Rasa server on one message before it falls back (a
    # hung server must not leave the caller in silence; loaded servers answer within 1–3 s).
    rasa_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # This gateway instance's name in call records and its spool file's name. Keep it stable
    # across restarts (the default is the host name): a restarted instance replays its spool.
    standardiste_instance: str = Field(
        default_factory=_default_instance, min_length=1, max_length=64
    )
    # How long the secretariat's phone rings on a transfer before the assistant takes a message.
    transfer_ring_timeout_s: int = Field(default=20, ge=5, le=600)
    # Optional: with the account SID (below), `standardiste doctor` reads the phone number's
    # settings on Twilio (its Fallback URL); TWILIO_PHONE_NUMBER picks the number when there are
    # several.
    twilio_phone_number: str | None = None
    # While a call's WebSocket is open, its instance refreshes the call's heartbeat this often.
    standardiste_heartbeat_s: float = Field(default=10.0, gt=0)
    # Every instance sweeps this often for calls whose instance died, and closes those whose
    # heartbeat is older than the stale delay (or, never streamed, whose ringing is that old).
    standardiste_sweep_interval_s: float = Field(default=30.0, gt=0)
    standardiste_stale_after_s: float = Field(default=60.0, gt=0)
    standardiste_ringing_timeout_s: float = Field(default=120.0, gt=0)
    # Twilio Messaging (texts to patients; README « SMS »). REST calls authenticate with the
    # account SID and TWILIO_AUTH_TOKEN, or with an API key: a regional account (Ireland, ie1)
    # takes only keys created in that region.
    twilio_account_sid: str | None = Field(default=None, pattern=r"^AC[0-9a-fA-F]{32}$")
    twilio_api_key_sid: str | None = Field(default=None, pattern=r"^SK[0-9a-fA-F]{32}$")
    twilio_api_key_secret: SecretStr | None = None
    twilio_messaging_from: str | None = None
    twilio_messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-fA-F]{32}$")
    # Where the REST API is; tests point it at a local stand-in. Region and edge rewrite
    # Twilio's own host only (ie1 + dublin keeps the data in the EU).
    twilio_api_base_url: AnyHttpUrl = Field(default=AnyHttpUrl(TWILIO_API))
    twilio_region: str | None = Field(default=None, pattern=r"^[a-z]{2}[0-9]$")
    twilio_edge: str | None = Field(default=None, pattern=r"^[a-z-]{3,20}$")
    # Every instance looks for texts to schedule and send this often (a booking is confirmed
    # within one interval, plus Twilio's delay).
    standardiste_sms_interval_s: float = Field(default=10.0, gt=0, le=60)
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
        "standardiste_data_key",
        "rasa_tracker_store",
        "vosk_max_active",
        "vosk_min_active",
        "vosk_beam",
        "vosk_lattice_beam",
        "twilio_account_sid",
        "twilio_api_key_sid",
        "twilio_api_key_secret",
        "twilio_messaging_from",
        "twilio_messaging_service_sid",
        "twilio_region",
        "twilio_edge",
        "twilio_phone_number",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `.env.example` leaves these empty: an empty value means "not configured".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("rasa_urls", mode="before")
    @classmethod
    def _split_rasa_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("public_base_url")
    @classmethod
    def _https_only(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and value.scheme != "https":
            raise ValueError("must be the https:// address Twilio calls")
        return value

    @field_validator("twilio_messaging_from")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(value.replace(" ", "")):
            raise ValueError("must be the Twilio number in E.164 form, e.g. +33757000000")
        return value.replace(" ", "") if value is not None else None

    @property
    def sms_configured(self) -> bool:
        """True when texts can be sent: an account, credentials and a sender."""
        has_key = self.twilio_api_key_sid is not None and self.twilio_api_key_secret is not None
        credentials = has_key or self.twilio_auth_token is not None
        sender = self.twilio_messaging_from or self.twilio_messaging_service_sid
        return self.twilio_account_sid is not None and credentials and sender is not None

    @property
    def public_base(self) -> str | None:
        """The public base URL without its trailing slash."""
        if self.public_base_url is None:
            return None
        return str(self.public_base_url).rstrip("/")

    @property
    def tracker_store(self) -> str:
        """Where Rasa keeps its trackers: a SQLite file path or a ``postgresql://`` URL."""
        if self.rasa_tracker_store:
            return self.rasa_tracker_store
        if self.database_url.startswith("postgres"):
            return self.database_url
        return str(Path(self.standardiste_var_dir) / "rasa-tracker.db")

    @property
    def rasa_base(self) -> str:
        """The Rasa server base URL without its trailing slash (the first replica's)."""
        return self.rasa_bases[0]

    @property
    def rasa_bases(self) -> list[str]:
        """Every Rasa replica's base URL (`RASA_URLS`, else `RASA_URL`)."""
        urls = self.rasa_urls or [self.rasa_url]
        return [str(url).rstrip("/") for url in urls]

    def rasa_base_for(self, conversation_id: str) -> str:
        """The replica that serves this conversation: the same one on every gateway and every
        turn (a stable hash of its id, not Python's salted ``hash``)."""
        bases = self.rasa_bases
        return bases[zlib.crc32(conversation_id.encode()) % len(bases)]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings`)."""
    return Settings()
