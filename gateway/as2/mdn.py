"""Message Disposition Notifications (RFC 4130 §7, RFC 3798): build, parse and check them.

Built MDNs use the exact disposition texts partners test for; parsing is lenient about case, spacing,
a missing MDN Message-ID and ``,sha1`` without a space, but strict about signatures when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from gateway.as2 import mic, signed
from gateway.as2.cms import KeyPair
from gateway.as2.errors import AS2Error, MdnError, MdnSignatureError
from gateway.as2.headers import (
    AS2_VERSION,
    angle_message_id,
    bare_message_id,
    format_as2_name,
    http_date,
    parse_as2_name,
)
from gateway.as2.mime import (
    CRLF,
    Entity,
    Headers,
    Limits,
    decode_body,
    encode_base64_lines,
    multipart_entities,
    parse_header_block,
    render_headers,
    signed_content_variants,
)
from gateway.as2.outbound import SIGNATURE_TYPE, new_boundary

ACTION_MODE = "automatic-action/MDN-sent-automatically"
PROCESSED = "processed"
DUPLICATE_WARNING = "processed/warning: duplicate-document"
REPORT_TYPE = "multipart/report"
NOTIFICATION_TYPE = "message/disposition-notification"
DEFAULT_REPORTING_UA = "edi-partner-gateway"


@dataclass(frozen=True, slots=True)
class MdnRequest:
    """What an inbound message asked for in its Disposition-Notification-* headers."""

    original_message_id: str | None
    partner: str | None
    us: str | None
    mdn_to: str | None
    options: mic.DispositionOptions
    receipt_url: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | Iterable[tuple[str, str]] | Headers) -> MdnRequest:
        http = Headers.of(headers)
        return cls(
            original_message_id=bare_message_id(http.get("message-id")),
            partner=parse_as2_name(http.get("as2-from")),
            us=parse_as2_name(http.get("as2-to")),
            mdn_to=http.get("disposition-notification-to"),
            options=mic.parse_options(http.get("disposition-notification-options")),
            receipt_url=(http.get("receipt-delivery-option") or "").strip() or None,
        )

    @property
    def wants_mdn(self) -> bool:
        return self.mdn_to is not None

    @property
    def is_async(self) -> bool:
        return self.receipt_url is not None

    @property
    def wants_signed(self) -> bool:
        return self.options.wants_signed_receipt


def disposition_text(error: AS2Error | None = None, *, duplicate: bool = False) -> str:
    """``automatic-action/MDN-sent-automatically; processed[/error: modifier]``."""
    if error is not None:
        return f"{ACTION_MODE}; {error.disposition}"
    return f"{ACTION_MODE}; {DUPLICATE_WARNING if duplicate else PROCESSED}"


@dataclass(frozen=True, slots=True)
class Mdn:
    """An MDN ready for the wire: exact headers and body (a sync HTTP response or an async POST)."""

    message_id: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    disposition: str
    signed: bool


def build_mdn(
    request: MdnRequest,
    *,
    disposition: str,
    message_id: str,
    now: datetime,
    received_mic: tuple[str, str] | None = None,
    sign_with: KeyPair | None = None,
    reporting_ua: str = DEFAULT_REPORTING_UA,
    spelling: mic.MicalgSpelling = "rfc5751",
    boundary: str | None = None,
    as2_from: str | None = None,
    as2_to: str | None = None,
) -> Mdn:
    """An MDN answering ``request``; signed with ``sign_with`` when the request asked for a signed receipt.

    ``as2_from``/``as2_to`` default to the request's AS2-To/AS2-From (pass them when those were missing).
    """
    top_headers, body = _report_entity(
        request,
        disposition=disposition,
        received_mic=received_mic,
        reporting_ua=reporting_ua,
        spelling=spelling,
        boundary=boundary,
    )
    is_signed = sign_with is not None and request.wants_signed
    if is_signed:
        assert sign_with is not None
        top_headers, body = _sign_report(
            top_headers, body, request, key=sign_with, now=now, spelling=spelling
        )
    headers = (
        ("AS2-Version", AS2_VERSION),
        ("AS2-From", format_as2_name(as2_from or request.us or "")),
        ("AS2-To", format_as2_name(as2_to or request.partner or "")),
        ("Message-ID", angle_message_id(message_id)),
        ("Date", http_date(now)),
        ("Subject", "AS2 MDN"),
        ("MIME-Version", "1.0"),
        *top_headers,
    )
    render_headers(headers)
    return Mdn(angle_message_id(message_id), headers, body, disposition, is_signed)


def _report_entity(
    request: MdnRequest,
    *,
    disposition: str,
    received_mic: tuple[str, str] | None,
    reporting_ua: str,
    spelling: mic.MicalgSpelling,
    boundary: str | None,
) -> tuple[list[tuple[str, str]], bytes]:
    fields = [
        ("Reporting-UA", reporting_ua),
        ("Original-Recipient", f"rfc822; {request.us}"),
        ("Final-Recipient", f"rfc822; {request.us}"),
        ("Original-Message-ID", angle_message_id(request.original_message_id or "")),
        ("Disposition", disposition),
    ]
    if received_mic is not None:
        fields.append(("Received-Content-MIC", mic.format_received_mic(*received_mic, spelling)))
    text = (
        f"The AS2 message {angle_message_id(request.original_message_id or '')} sent to {request.us} "
        f"was received. Disposition: {disposition.split(';', 1)[-1].strip()}."
    )
    mark = (boundary or new_boundary()).encode()
    body = b"".join(
        (
            b"--" + mark + CRLF,
            render_headers([("Content-Type", "text/plain; charset=us-ascii")]),
            CRLF + text.encode("ascii", "replace") + CRLF,
            b"--" + mark + CRLF,
            render_headers([("Content-Type", NOTIFICATION_TYPE)]),
            CRLF + render_headers(fields),
            b"--" + mark + b"--" + CRLF,
        )
    )
    content_type = f'{REPORT_TYPE}; report-type=disposition-notification; boundary="{mark.decode()}"'
    return [("Content-Type", content_type)], body


def _sign_report(
    headers: list[tuple[str, str]],
    body: bytes,
    request: MdnRequest,
    *,
    key: KeyPair,
    now: datetime,
    spelling: mic.MicalgSpelling,
) -> tuple[list[tuple[str, str]], bytes]:
    algorithm = _signing_algorithm(request.options)
    content = render_headers(headers) + CRLF + body
    signature = signed.sign(content, key, digest_algorithm=algorithm, signing_time=now)
    mark = new_boundary().encode()
    signature_part = render_headers(
        [("Content-Type", f"{SIGNATURE_TYPE}; name=smime.p7s"), ("Content-Transfer-Encoding", "base64"),
         ("Content-Disposition", "attachment; filename=smime.p7s")]
    )  # fmt: skip
    signed_body = b"".join(
        (b"--", mark, CRLF, content, CRLF, b"--", mark, CRLF, signature_part, CRLF,
         encode_base64_lines(signature), b"--", mark, b"--", CRLF)
    )  # fmt: skip
    micalg = mic.spell(algorithm, spelling)
    content_type = (
        f'multipart/signed; protocol="{SIGNATURE_TYPE}"; micalg={micalg}; boundary="{mark.decode()}"'
    )
    return [("Content-Type", content_type)], signed_body


def _signing_algorithm(options: mic.DispositionOptions) -> str:
    """The MDN's signature digest: the first supported requested one, sha256 when none is (even when the
    MDN reports exactly that failure)."""
    try:
        return mic.choose_algorithm(options)
    except AS2Error:
        return mic.DEFAULT_MIC_ALGORITHM


@dataclass(frozen=True, slots=True)
class ParsedMdn:
    """An incoming MDN's fields; ``signer`` is set when its signature verified."""

    message_id: str | None
    as2_from: str | None
    as2_to: str | None
    original_message_id: str | None
    disposition: str
    disposition_type: str
    modifier_kind: str | None
    modifier: str | None
    received_mic: str | None
    mic_algorithm: str | None
    reporting_ua: str | None
    text: str
    signer: x509.Certificate | None = None

    @property
    def processed_ok(self) -> bool:
        """``processed`` with no error/failure modifier (a warning is still success)."""
        return self.disposition_type == PROCESSED and self.modifier_kind in (None, "warning")

    def matches(self, *, message_id: str, mic_value: str | None, mic_algorithm: str | None) -> bool:
        """True when the MDN acknowledges ``message_id`` and, if a MIC is expected, returns it."""
        if bare_message_id(message_id) != self.original_message_id:
            return False
        if mic_value is None:
            return True
        return self.received_mic == mic_value and self.mic_algorithm == mic_algorithm


def parse_mdn(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | Headers,
    body: bytes,
    *,
    partner_certs: Sequence[x509.Certificate] = (),
    require_signature: bool = False,
    verify_at: datetime | None = None,
    limits: Limits | None = None,
) -> ParsedMdn:
    """Parse (and verify, when signed) an MDN received as an HTTP response or an async POST."""
    http = Headers.of(headers)
    limits = limits or Limits()
    top = Entity(Headers([(n, v) for n, v in http.items() if n.lower().startswith("content-")]), body, 0)
    signer = None
    try:
        if top.content_type.value == "multipart/signed":
            top, signer = _verify_mdn(top, partner_certs, verify_at, limits)
        elif require_signature:
            raise MdnSignatureError("the MDN is not signed but a signed receipt was requested")
        if top.content_type.value != REPORT_TYPE:
            raise MdnError(f"not an MDN: content type {top.content_type.value!r}")
        return _read_report(top, http, signer, limits)
    except MdnError:
        raise
    except AS2Error as exc:
        raise MdnError(exc.message) from exc
    except Exception as exc:  # the codec boundary: a malformed MDN is an MdnError, never a crash
        raise MdnError(f"cannot parse the MDN: {exc!r}") from exc


def _verify_mdn(
    top: Entity, certs: Sequence[x509.Certificate], at: datetime | None, limits: Limits
) -> tuple[Entity, x509.Certificate]:
    parts = multipart_entities(top, limits)
    if len(parts) != 2:
        raise MdnError("a signed MDN must have two parts")
    try:
        verified = signed.verify_detached(
            decode_body(parts[1]), signed_content_variants(parts[0]), certs, verify_at=at
        )
    except AS2Error as exc:
        raise MdnSignatureError(f"MDN signature: {exc.message}") from exc
    return parts[0], verified.signer


def _read_report(report: Entity, http: Headers, signer: x509.Certificate | None, limits: Limits) -> ParsedMdn:
    parts = multipart_entities(report, limits)
    notice = next((p for p in parts if p.content_type.value == NOTIFICATION_TYPE), None)
    if notice is None:
        raise MdnError("the MDN has no message/disposition-notification part")
    block = parse_header_block(decode_body(notice).strip() + b"\r\n\r\n", limits)
    fields = block[0] if block else Headers()
    disposition = fields.get("disposition") or ""
    kind, modifier_kind, modifier = _split_disposition(disposition)
    received_mic, algorithm = mic.parse_received_mic(fields.get("received-content-mic") or "")
    text_part = next((p for p in parts if p.content_type.value.startswith("text/")), None)
    return ParsedMdn(
        message_id=bare_message_id(http.get("message-id")),
        as2_from=parse_as2_name(http.get("as2-from")),
        as2_to=parse_as2_name(http.get("as2-to")),
        original_message_id=bare_message_id(fields.get("original-message-id")),
        disposition=disposition,
        disposition_type=kind,
        modifier_kind=modifier_kind,
        modifier=modifier,
        received_mic=received_mic or None,
        mic_algorithm=algorithm,
        reporting_ua=fields.get("reporting-ua"),
        text=decode_body(text_part).decode("utf-8", "replace") if text_part else "",
        signer=signer,
    )


def _split_disposition(value: str) -> tuple[str, str | None, str | None]:
    """``action/mode; processed/error: x`` → (``processed``, ``error``, ``x``), any case or spacing."""
    _, _, status = value.partition(";")
    head, colon, modifier = status.partition(":")
    kind, slash, modifier_kind = head.partition("/")
    if not slash:
        return kind.strip().lower(), None, modifier.strip() or None if colon else None
    return kind.strip().lower(), modifier_kind.strip().lower() or None, modifier.strip() or None
