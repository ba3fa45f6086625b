"""ERP connectors. Each delivers one canonical document idempotently: the same document delivered twice
has the same effect as once (file: same name; webhook: same ``Idempotency-Key`` for the ERP to honour).

A connector raises :class:`PermanentJobError` when retrying cannot help (the ERP refused the document)
and any other exception when it may (ERP down, timeout), which the outbox retries with backoff.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from gateway.config import Settings
from gateway.errors import PermanentJobError

RETRYABLE_4XX = frozenset({408, 409, 425, 429})
DOCUMENT_KINDS = frozenset({"purchase_order", "acknowledgement", "ship_notice"})
SIGNATURE_HEADER = "X-Edigw-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Delivery:
    """What the ERP receives: the canonical document and where it came from, or an event about one
    (``kind`` e.g. ``reconciliation``, the event in ``canonical``). ``flags`` tell the ERP what is odd
    about the delivery (e.g. ``po_not_delivered``)."""

    document_id: int
    kind: str
    number: str
    partner_code: str
    idempotency_key: str
    canonical: dict[str, Any]
    flags: tuple[dict[str, Any], ...] = ()

    @property
    def is_document(self) -> bool:
        return self.kind in DOCUMENT_KINDS

    @property
    def file_name(self) -> str:
        if self.is_document:
            return f"{self.kind}-{self.document_id}.json"
        return f"{self.idempotency_key}.json"

    def body(self) -> bytes:
        envelope: dict[str, Any] = {
            "document_id": self.document_id,
            "kind": self.kind,
            "number": self.number,
            "partner": self.partner_code,
            "idempotency_key": self.idempotency_key,
            "document" if self.is_document else "event": self.canonical,
        }
        if self.flags:
            envelope["flags"] = list(self.flags)
        return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


class Connector(Protocol):
    name: str

    def deliver(self, delivery: Delivery) -> str:
        """Deliver or raise; returns a short description of what the ERP said."""


class FileConnector:
    """One JSON file per document in a folder the ERP imports from, written atomically (temp + rename)."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, delivery: Delivery) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / delivery.file_name
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".incoming-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(delivery.body())
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return f"written {target.name}"


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookConnector:
    """POST the document as JSON, signed with HMAC-SHA256, with an ``Idempotency-Key`` header."""

    name = "webhook"

    def __init__(self, url: str, secret: bytes | None, timeout: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def deliver(self, delivery: Delivery) -> str:
        body = delivery.body()
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: delivery.idempotency_key}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            response = client.post(self.url, content=body, headers=headers)
        if response.is_success:
            return f"HTTP {response.status_code}"
        text = response.text[:500]
        if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
            raise PermanentJobError(f"ERP refused the document: HTTP {response.status_code}: {text}")
        raise ConnectionError(f"ERP answered HTTP {response.status_code}: {text}")


def build_connector(settings: Settings) -> Connector | None:
    if settings.erp_connector == "none":
        return None
    if settings.erp_connector == "file":
        return FileConnector(settings.resolved_erp_file_dir)
    if settings.erp_connector == "sql":
        return _sql_connector(settings)
    if not settings.erp_webhook_url:
        raise PermanentJobError("EDIGW_ERP_CONNECTOR=webhook needs EDIGW_ERP_WEBHOOK_URL")
    secret = settings.erp_webhook_secret.get_secret_value().encode() if settings.erp_webhook_secret else None
    return WebhookConnector(settings.erp_webhook_url, secret, settings.erp_timeout_seconds)


def _sql_connector(settings: Settings) -> Connector:
    from gateway.erp.staging import SqlStagingConnector

    if settings.erp_staging_url is None:
        raise PermanentJobError("EDIGW_ERP_CONNECTOR=sql needs EDIGW_ERP_STAGING_URL")
    return SqlStagingConnector(
        url=settings.erp_staging_url.get_secret_value(),
        header_table=settings.erp_staging_header_table,
        line_table=settings.erp_staging_line_table,
        header_columns=settings.erp_staging_header_columns,
        line_columns=settings.erp_staging_line_columns,
    )
