"""A partner's AS2 settings (RFC 4130): endpoint, message security, MDN policy and outbound quirks.

Only values the AS2 codec supports are accepted (DESIGN §5). MD5 is never used outbound; with
``legacy_md5`` it is accepted inbound. Quirk switches change what we send, never what we accept.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from partners._located import Issue, raise_issues
from partners.network import check_url
from partners.references import CertificateRef, SecretRef

MIME_TYPE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}")
BASIC_AUTH_USER: Final = re.compile(r"[\x21-\x39\x3b-\x7e]{1,128}")  # printable, no space, no colon
DEFAULT_PORTS: Final = {"https": 443, "http": 80}
LEGACY_DIGEST: Final = "md5"
DOT_SEGMENTS: Final = (".", "..")


class SignatureAlgorithm(StrEnum):
    SHA1 = "sha1"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class SignaturePadding(StrEnum):
    PKCS1V15 = "pkcs1v15"
    PSS = "pss"


class EncryptionAlgorithm(StrEnum):
    TRIPLE_DES = "3des"
    AES128_CBC = "aes128-cbc"
    AES192_CBC = "aes192-cbc"
    AES256_CBC = "aes256-cbc"
    AES128_GCM = "aes128-gcm"
    AES256_GCM = "aes256-gcm"


class KeyTransport(StrEnum):
    RSA_PKCS1V15 = "rsa-pkcs1v15"
    RSA_OAEP_SHA1 = "rsa-oaep-sha1"
    RSA_OAEP_SHA256 = "rsa-oaep-sha256"


class Compression(StrEnum):
    NONE = "none"
    BEFORE_SIGNING = "before-signing"
    AFTER_SIGNING = "after-signing"


class MdnMode(StrEnum):
    SYNC = "sync"
    ASYNC = "async"
    NONE = "none"


class MicalgSpelling(StrEnum):
    """``rfc5751``: ``sha-256`` (current); ``rfc3851``: ``sha256`` (older products)."""

    RFC5751 = "rfc5751"
    RFC3851 = "rfc3851"


class TransferEncoding(StrEnum):
    BINARY = "binary"
    BASE64 = "base64"


def micalg_name(algorithm: SignatureAlgorithm, spelling: MicalgSpelling = MicalgSpelling.RFC5751) -> str:
    """The ``micalg`` parameter value for ``algorithm`` in the partner's preferred spelling."""
    if spelling is MicalgSpelling.RFC3851:
        return algorithm.value
    return f"sha-{algorithm.value.removeprefix('sha')}"


class As2OutboundQuirks(BaseModel):
    """Per-partner deviations in what we send; inbound parsing stays tolerant regardless."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    micalg_spelling: MicalgSpelling = MicalgSpelling.RFC5751
    content_transfer_encoding: TransferEncoding = TransferEncoding.BINARY
    content_type: str | None = Field(None, description="Payload MIME type; default from the EDI syntax")

    @field_validator("content_type")
    @classmethod
    def _mime_type(cls, value: str | None) -> str | None:
        if value is not None and not MIME_TYPE.fullmatch(value):
            raise PydanticCustomError("content_type_format", "content type must look like type/subtype")
        return value


def _flags(info: ValidationInfo) -> tuple[bool, bool]:
    return bool(info.data.get("allow_insecure_http")), bool(info.data.get("allow_private_network"))


class As2Settings(BaseModel):
    """How we exchange AS2 messages with one partner. Flags come first: URL checks read them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow_insecure_http: bool = False
    allow_private_network: bool = False
    url: str = Field(description="The partner's AS2 endpoint (https unless allow_insecure_http)")
    sign: bool = True
    encrypt: bool = True
    compression: Compression = Compression.NONE
    signature_algorithm: SignatureAlgorithm = SignatureAlgorithm.SHA256
    signature_padding: SignaturePadding = SignaturePadding.PKCS1V15
    encryption_algorithm: EncryptionAlgorithm = EncryptionAlgorithm.AES256_CBC
    key_transport: KeyTransport = KeyTransport.RSA_PKCS1V15
    mdn_mode: MdnMode = MdnMode.SYNC
    mdn_signed: bool = Field(
        True, description="Ask for (and send) signed MDNs; ignored when mdn_mode is none"
    )
    async_mdn_allow_list: tuple[str, ...] = Field(
        (), description="URL prefixes the partner may ask us to deliver asynchronous MDNs to"
    )
    require_signed_inbound: bool = True
    require_encrypted_inbound: bool = True
    legacy_md5: bool = Field(False, description="Accept MD5 signatures and MICs inbound (never sent)")
    basic_auth_user: str | None = None
    basic_auth_secret_ref: SecretRef | None = None
    tls_client_cert_ref: CertificateRef | None = None
    quirks: As2OutboundQuirks = As2OutboundQuirks()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        insecure, private = _flags(info)
        return check_url(value, allow_insecure_http=insecure, allow_private_network=private)

    @field_validator("async_mdn_allow_list")
    @classmethod
    def _allow_list(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        insecure, private = _flags(info)
        issues: list[Issue] = []
        for index, url in enumerate(value):
            try:
                check_url(url, allow_insecure_http=insecure, allow_private_network=private)
            except PydanticCustomError as exc:
                issues.append(Issue((index,), exc.type, exc.message(), url))
        raise_issues("async_mdn_allow_list", issues)
        return value

    @field_validator("basic_auth_user")
    @classmethod
    def _basic_user(cls, value: str | None) -> str | None:
        if value is not None and not BASIC_AUTH_USER.fullmatch(value):
            raise PydanticCustomError(
                "basic_auth_user_format", "basic auth user must be 1 to 128 printable characters, no colon"
            )
        return value

    @model_validator(mode="after")
    def _basic_auth_pair(self) -> As2Settings:
        user, secret = self.basic_auth_user, self.basic_auth_secret_ref
        if (user is None) != (secret is None):
            missing = "basic_auth_secret_ref" if secret is None else "basic_auth_user"
            message = "basic auth needs both a user and a secret reference"
            raise_issues(type(self).__name__, [Issue((missing,), "basic_auth_incomplete", message)])
        return self

    @property
    def accepted_inbound_digests(self) -> frozenset[str]:
        """Digest names accepted on inbound signatures and MICs (``md5`` only for legacy partners)."""
        names = {algorithm.value for algorithm in SignatureAlgorithm}
        return frozenset(names | {LEGACY_DIGEST} if self.legacy_md5 else names)


def _endpoint(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    return parts.scheme, (parts.hostname or "").rstrip(".").lower(), port, parts.path or "/"


def _under(path: str, prefix: str) -> bool:
    if "%2e" in path.lower() or any(segment in DOT_SEGMENTS for segment in path.split("/")):
        return False
    return path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/")


def async_mdn_url_allowed(settings: As2Settings, url: str) -> bool:
    """Whether ``url`` (from a partner's Receipt-Delivery-Option) may receive an asynchronous MDN.

    It must pass the same URL rules as the profile and fall under one allow-list entry: same scheme,
    host and port, and a path at or below the entry's path.
    """
    try:
        check_url(
            url,
            allow_insecure_http=settings.allow_insecure_http,
            allow_private_network=settings.allow_private_network,
        )
    except PydanticCustomError:
        return False
    scheme, host, port, path = _endpoint(url)
    for entry in settings.async_mdn_allow_list:
        e_scheme, e_host, e_port, e_path = _endpoint(entry)
        if (scheme, host, port) == (e_scheme, e_host, e_port) and _under(path, e_path):
            return True
    return False
