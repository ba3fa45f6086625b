"""A partner's transports: AS2 (see ``as2_settings``), SFTP in both directions, REST, and which one
carries outbound documents.

SFTP inbound is key-only: the account lists the partner's authorized public keys. SFTP outbound pins
the partner server's host key; our client credential is a sealed-secret reference.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from partners._located import Issue, raise_issues
from partners.as2_settings import As2Settings
from partners.network import check_host, check_url
from partners.references import SecretRef
from partners.ssh_keys import SshPublicKey

SFTP_USERNAME: Final = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
REMOTE_USERNAME: Final = re.compile(r"[\x21-\x7e]{1,64}")
REMOTE_PATH_MAX_LENGTH: Final = 1024
DEFAULT_SFTP_PORT: Final = 22
MIN_POLL_SECONDS: Final = 30
DEFAULT_POLL_SECONDS: Final = 300
MAX_AUTHORIZED_KEYS: Final = 32


class TransportKind(StrEnum):
    AS2 = "as2"
    SFTP = "sftp"
    REST = "rest"


def check_remote_path(value: str) -> str:
    """A remote SFTP directory: printable, no ``..`` segment, at most 1024 characters."""
    if not value or len(value) > REMOTE_PATH_MAX_LENGTH or not value.isprintable():
        raise PydanticCustomError("remote_path_format", "remote path must be 1 to 1024 printable characters")
    if ".." in value.split("/"):
        raise PydanticCustomError("remote_path_traversal", "remote path must not contain a '..' segment")
    return value


class SftpInboundAccount(BaseModel):
    """The partner's account on our SFTP server: a login name and the keys allowed to use it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(description="Lowercase login, 1..32 of a-z 0-9 _ . - (starting with a letter or _)")
    authorized_keys: tuple[SshPublicKey, ...] = Field(min_length=1, max_length=MAX_AUTHORIZED_KEYS)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not SFTP_USERNAME.fullmatch(value):
            raise PydanticCustomError(
                "sftp_username_format",
                "SFTP username must be 1 to 32 of a-z, 0-9, _ . - and start with a letter or _",
            )
        return value

    @model_validator(mode="after")
    def _distinct_keys(self) -> SftpInboundAccount:
        seen: dict[str, int] = {}
        issues: list[Issue] = []
        for index, key in enumerate(self.authorized_keys):
            if key.key_base64 in seen:
                issues.append(
                    Issue(
                        ("authorized_keys", index),
                        "ssh_key_duplicate",
                        f"the same key is already listed at authorized_keys[{seen[key.key_base64]}]",
                    )
                )
            seen.setdefault(key.key_base64, index)
        raise_issues(type(self).__name__, issues)
        return self


class SftpOutboundSettings(BaseModel):
    """The partner's SFTP server we push to and (optionally) pull from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow_private_network: bool = False
    host: str
    port: int = Field(DEFAULT_SFTP_PORT, ge=1, le=65535)
    username: str
    host_key: SshPublicKey = Field(description="Pinned server host key; an unknown or changed key is refused")
    client_key_ref: SecretRef | None = Field(None, description="Our private key for this server (sealed)")
    password_secret_ref: SecretRef | None = None
    upload_dir: str = "."
    download_dir: str | None = Field(None, description="Pulled from on a schedule when set")
    poll_interval_seconds: int = Field(DEFAULT_POLL_SECONDS, ge=MIN_POLL_SECONDS)
    temp_suffix: str = Field(".part", pattern=r"^\.[A-Za-z0-9_-]{1,16}$")

    @field_validator("host")
    @classmethod
    def _host(cls, value: str, info: ValidationInfo) -> str:
        return check_host(value, allow_private_network=bool(info.data.get("allow_private_network")))

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not REMOTE_USERNAME.fullmatch(value):
            raise PydanticCustomError(
                "sftp_username_format", "remote username must be 1 to 64 printable characters"
            )
        return value

    @field_validator("upload_dir", "download_dir")
    @classmethod
    def _remote_dir(cls, value: str | None) -> str | None:
        return None if value is None else check_remote_path(value)

    @model_validator(mode="after")
    def _credential(self) -> SftpOutboundSettings:
        if self.client_key_ref is None and self.password_secret_ref is None:
            message = (
                "give client_key_ref (preferred) or password_secret_ref to log in to the partner's server"
            )
            raise_issues(
                type(self).__name__, [Issue(("client_key_ref",), "sftp_credential_missing", message)]
            )
        return self


class SftpSettings(BaseModel):
    """SFTP in either or both directions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inbound: SftpInboundAccount | None = None
    outbound: SftpOutboundSettings | None = None

    @model_validator(mode="after")
    def _some_direction(self) -> SftpSettings:
        if self.inbound is None and self.outbound is None:
            message = "SFTP needs an inbound account, outbound settings, or both"
            raise_issues(type(self).__name__, [Issue(("inbound",), "sftp_empty", message)])
        return self


class RestSettings(BaseModel):
    """REST access for the partner (a scoped token) and our webhook to them (HMAC-signed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow_insecure_http: bool = False
    allow_private_network: bool = False
    token_ref: SecretRef | None = Field(None, description="The partner's API token record (stored hashed)")
    webhook_url: str | None = None
    webhook_secret_ref: SecretRef | None = Field(None, description="HMAC key for webhook signatures")

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return check_url(
            value,
            allow_insecure_http=bool(info.data.get("allow_insecure_http")),
            allow_private_network=bool(info.data.get("allow_private_network")),
        )

    @model_validator(mode="after")
    def _signed_webhook(self) -> RestSettings:
        if self.webhook_url is not None and self.webhook_secret_ref is None:
            message = "a webhook needs webhook_secret_ref: webhooks are always HMAC-signed"
            raise_issues(
                type(self).__name__, [Issue(("webhook_secret_ref",), "webhook_secret_missing", message)]
            )
        return self


class Transports(BaseModel):
    """Every transport configured for the partner and the one outbound documents take."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as2: As2Settings | None = None
    sftp: SftpSettings | None = None
    rest: RestSettings | None = None
    outbound: TransportKind | None = Field(
        None,
        description=(
            "Transport for outbound documents and acks (rest: the partner fetches them; sftp: pushed to the"
            " partner's server, or left in its outbox/ on ours when it only has an inbound account)"
        ),
    )

    @model_validator(mode="after")
    def _outbound_configured(self) -> Transports:
        issues: list[Issue] = []
        kind = self.outbound
        if kind is not None and getattr(self, kind.value) is None:
            issues.append(
                Issue(
                    ("outbound",),
                    "transport_not_configured",
                    f"outbound transport {kind.value} is not configured",
                    kind.value,
                )
            )
        raise_issues(type(self).__name__, issues)
        return self
