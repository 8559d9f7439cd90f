"""The local cluster's shape: how many gateways, and the loopback ports of every process."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core import VAR_DIR, free_port, free_ports


class ClusterSettings(BaseSettings):
    """``STANDARDISTE_CLUSTER_*`` from the environment or `.env` (see `.env.example`).

    Gateway ``i`` (from 1) listens on ``gateway_port + i - 1`` and is named ``gw<i>``.
    """

    model_config = SettingsConfigDict(
        env_prefix="STANDARDISTE_CLUSTER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    gateways: int = Field(default=2, ge=1, le=16)
    port: int = 8080
    """Where nginx, the load balancer, listens (the address the reverse proxy or tunnel uses)."""
    gateway_port: int = 8101
    rasa_port: int = 5006
    rasas: int = Field(default=2, ge=1, le=8)
    """Rasa servers on the shared tracker and lock stores (one holds ~0.8 core at full load)."""
    postgres_port: int = 5433
    redis_port: int = 6380
    dir: Path = VAR_DIR / "cluster"
    """PostgreSQL's data, Redis's, nginx's, the generated Procfile and configs, the logs."""

    @classmethod
    def on_free_ports(
        cls, folder: Path, *, gateways: int = 2, rasas: int = 2
    ) -> ClusterSettings:
        """A cluster in ``folder`` on ports nobody uses now (tests, benchmarks); no `.env`."""
        return cls(
            _env_file=None,
            gateways=gateways,
            rasas=rasas,
            port=free_port(),
            gateway_port=free_ports(gateways),
            rasa_port=free_ports(rasas),
            postgres_port=free_port(),
            redis_port=free_port(),
            dir=folder,
        )

    def gateway_ports(self) -> dict[str, int]:
        """Each gateway's instance name and port, in order."""
        return {f"gw{i + 1}": self.gateway_port + i for i in range(self.gateways)}

    @property
    def base_url(self) -> str:
        """The load balancer's address."""
        return f"http://127.0.0.1:{self.port}"

    def rasa_ports(self) -> dict[str, int]:
        """Each Rasa replica's name and port, in order."""
        return {f"rasa{i + 1}": self.rasa_port + i for i in range(self.rasas)}

    @property
    def rasa_url(self) -> str:
        """The first Rasa server's address."""
        return self.rasa_urls[0]

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa server's address (`RASA_URLS`: the gateways pick one per conversation)."""
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports().values()]
