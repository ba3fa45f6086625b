"""The one `Settings` object of the gateway (prefix ``EDIGW_``, secrets from files)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

AREAS: tuple[str, ...] = ("system", "inbound", "outbound", "erp", "as2", "sftp", "maintenance", "documents")
"""Task areas; each area is one Celery queue (task ``area.verb_object`` goes to queue ``area``)."""


def _absolute(path: Path) -> Path:
    """``path.resolve()``, once per working directory and path (hot paths ask for the archive folder per
    message; resolving walks every component with a system call)."""
    return _resolved(os.getcwd(), path)


@lru_cache(maxsize=256)
def _resolved(cwd: str, path: Path) -> Path:
    return (Path(cwd) / path).resolve()


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``EDIGW_<NAME>`` or as a file in the secrets dir."""

    model_config = SettingsConfigDict(env_prefix="EDIGW_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("var"), description="Holds the SQLite DB, archive, broker and dev keys."
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir.")
    broker_url: str | None = Field(
        default=None, description="Celery broker URL; default a filesystem broker in data_dir (no server)."
    )
    archive_dir: Path | None = Field(default=None, description="Archive folder; default data_dir/archive.")
    queue_prefix: str = Field(default="", description="Prefix for every queue name (isolates deployments).")

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    http_workers: int = Field(default=1, ge=1, description="API server processes.")
    worker_concurrency: int = Field(default=2, ge=1)
    max_request_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)

    relay_interval_seconds: float = Field(default=0.2, gt=0)
    relay_batch_size: int = Field(default=200, ge=1)
    outbox_stale_after_seconds: float = Field(
        default=300.0, gt=0, description="A published job not finished after this long is published again."
    )
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_backoff_base_seconds: float = Field(default=2.0, gt=0)
    outbox_backoff_max_seconds: float = Field(default=3600.0, gt=0)

    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    erp_connector: Literal["file", "webhook", "sql", "none"] = Field(
        default="file", description="How canonical documents reach the ERP."
    )
    erp_file_dir: Path | None = Field(
        default=None, description="File drop folder; default data_dir/erp/outbox."
    )
    erp_webhook_url: str | None = None
    erp_webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key for X-Edigw-Signature."
    )
    erp_timeout_seconds: float = Field(default=30.0, gt=0)
    erp_staging_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL of the ERP's staging database (sql connector, polling)."
    )
    erp_staging_header_table: str = Field(
        default="edigw_erp_header", description="Staging table for document headers and events."
    )
    erp_staging_line_table: str = Field(default="edigw_erp_line", description="Staging table for lines.")
    erp_staging_header_columns: dict[str, str] = Field(
        default_factory=dict, description="Header field -> column name (JSON); default: same name."
    )
    erp_staging_line_columns: dict[str, str] = Field(
        default_factory=dict, description="Line field -> column name (JSON); default: same name."
    )
    erp_staging_outbound_table: str | None = Field(
        default=None, description="Staging table the ERP writes documents for partners into (polled)."
    )
    erp_staging_poll_seconds: float = Field(
        default=10.0, gt=0, description="How often the outbound staging table is polled."
    )
    erp_staging_poll_batch: int = Field(default=100, ge=1, description="Rows taken per poll.")
    erp_order_wait_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="How long an 855/856 waits for its PO to reach the ERP before it is delivered flagged.",
    )

    as2_max_body_bytes: int = Field(
        default=100 * 1024 * 1024, ge=1024, description="Largest AS2 request body."
    )
    as2_max_decompressed_bytes: int = Field(default=500 * 1024 * 1024, ge=1024)
    as2_mdn_domain: str = Field(
        default="edigw.local", description="Domain part of the Message-IDs we create."
    )
    as2_public_url: str | None = Field(
        default=None, description="Our public base URL; partners post asynchronous MDNs to <this>/as2."
    )

    secret_key: SecretStr | None = Field(
        default=None, description="Key that encrypts private keys at rest; default generated in data_dir."
    )

    sftp_enabled: bool = Field(default=True, description="Listen with the embedded SFTP server.")
    sftp_host: str = "127.0.0.1"
    sftp_port: int = Field(default=2222, ge=0, le=65535)
    sftp_root: Path | None = Field(default=None, description="Partner folders; default data_dir/sftp.")
    sftp_max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    sftp_max_files: int = Field(default=1000, ge=1, description="Files allowed in one partner's inbox.")
    sftp_max_connections: int = Field(default=64, ge=1)
    sftp_settle_seconds: float = Field(
        default=10.0, ge=0, description="An inbox file unchanged this long is complete."
    )
    sftp_scan_interval_seconds: float = Field(default=2.0, gt=0)
    sftp_timeout_seconds: float = Field(default=30.0, gt=0, description="SFTP client connect/IO timeout.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{_absolute(self.data_dir / 'gateway.db')}"

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or "filesystem://localhost/"

    @property
    def broker_is_embedded(self) -> bool:
        return self.resolved_broker_url.startswith("filesystem://")

    @property
    def broker_folder(self) -> Path:
        return _absolute(self.data_dir / "broker")

    @property
    def resolved_archive_dir(self) -> Path:
        return _absolute(self.archive_dir or self.data_dir / "archive")

    @property
    def resolved_sftp_root(self) -> Path:
        return _absolute(self.sftp_root or self.data_dir / "sftp")

    @property
    def resolved_erp_file_dir(self) -> Path:
        return _absolute(self.erp_file_dir or self.data_dir / "erp" / "outbox")

    def queue_name(self, area: str) -> str:
        return f"{self.queue_prefix}{area}"


def load_settings() -> Settings:
    """Read settings from the environment and, if ``EDIGW_SECRETS_DIR`` is set, from files in that folder."""
    secrets_dir = os.environ.get("EDIGW_SECRETS_DIR")
    if secrets_dir:
        return Settings(_secrets_dir=secrets_dir)
    return Settings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
