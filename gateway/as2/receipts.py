"""Checking an MDN that answers one of our outbound messages: signature (when we asked for a signed
receipt) against the partner's active certificates, the Original-Message-ID, and the MIC we computed
when we built the message. Pure: headers, bytes and certificates in, a verdict out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.as2.errors import MdnError
from gateway.as2.headers import bare_message_id
from gateway.as2.mdn import ParsedMdn, parse_mdn
from gateway.as2.mime import Entity, Headers, Limits, multipart_entities

SIGNED_TYPE = "multipart/signed"


@dataclass(frozen=True, slots=True)
class Expected:
    """What the MDN must acknowledge: our Message-ID, the MIC we computed, whether it must be signed."""

    message_id: str
    mic: str | None
    mic_algorithm: str | None
    signed: bool

    @classmethod
    def of(cls, wire: dict[str, Any]) -> Expected:
        return cls(wire["message_id"], wire["mic"], wire["mic_algorithm"], bool(wire["mdn_signed"]))


@dataclass(frozen=True, slots=True)
class MdnCheck:
    """``problem`` says why the receipt is not trustworthy evidence; ``parsed`` is set when it parsed."""

    parsed: ParsedMdn | None
    problem: str | None

    @property
    def positive(self) -> bool:
        return self.problem is None and self.parsed is not None and self.parsed.processed_ok

    def evidence(self) -> dict[str, Any]:
        parsed = self.parsed
        signer = parsed.signer if parsed else None
        return {
            "accepted": self.problem is None,
            "problem": self.problem,
            "positive": self.positive,
            "message_id": parsed.message_id if parsed else None,
            "original_message_id": parsed.original_message_id if parsed else None,
            "disposition": parsed.disposition if parsed else None,
            "received_mic": parsed.received_mic if parsed else None,
            "mic_algorithm": parsed.mic_algorithm if parsed else None,
            "signer_sha256": signer.fingerprint(hashes.SHA256()).hex() if signer else None,
            "signer_pem": signer.public_bytes(Encoding.PEM).decode() if signer else None,
        }


def check_mdn(
    headers: Iterable[tuple[str, str]] | Headers,
    body: bytes,
    expected: Expected,
    partner_certs: Sequence[x509.Certificate],
    now: datetime,
) -> MdnCheck:
    """Parse and verify an MDN against what we sent."""
    if not body.strip():
        return MdnCheck(None, "the reply carries no MDN")
    try:
        parsed = parse_mdn(
            headers, body, partner_certs=partner_certs, require_signature=expected.signed, verify_at=now
        )
    except MdnError as exc:
        return MdnCheck(None, f"MDN not accepted: {exc.message}")
    if parsed.original_message_id != bare_message_id(expected.message_id):
        return MdnCheck(parsed, f"the MDN answers {parsed.original_message_id!r}, not {expected.message_id}")
    if parsed.processed_ok and not parsed.matches(
        message_id=expected.message_id, mic_value=expected.mic, mic_algorithm=expected.mic_algorithm
    ):
        return MdnCheck(
            parsed,
            f"MIC mismatch: we computed {expected.mic} ({expected.mic_algorithm}), the MDN returned "
            f"{parsed.received_mic} ({parsed.mic_algorithm})",
        )
    return MdnCheck(parsed, None)


def claimed_original_id(headers: Iterable[tuple[str, str]] | Headers, body: bytes) -> str | None:
    """The Original-Message-ID an MDN claims, read without verifying it (only to find our message)."""
    http = Headers.of(headers)
    content = Headers([(n, v) for n, v in http.items() if n.lower().startswith("content-")])
    top = Entity(content, body, 0)
    try:
        if top.content_type.value == SIGNED_TYPE:
            inner = multipart_entities(top, Limits())[0]
            return parse_mdn(inner.headers, inner.body).original_message_id
        return parse_mdn(http, body).original_message_id
    except (MdnError, IndexError):
        return None
