"""The syntax-neutral entry points of the translators (DESIGN §2): detect the syntax of inbound bytes,
translate them to canonical documents with their acknowledgements, render a canonical document for a
partner. Pure: control numbers and ``now`` come in through the options."""

from __future__ import annotations

from typing import BinaryIO, Protocol

from translators.canonical import CanonicalDocument
from translators.errors import EnvelopeError, Location
from translators.options import InboundOptions, OutboundOptions, Readable, Syntax
from translators.result import TranslationResult

BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 512
EDIFACT_STARTS = (b"UNA", b"UNB")
X12_START = b"ISA"


def detect_syntax(data: bytes) -> Syntax:
    """``"x12"`` or ``"edifact"`` from the first bytes (after a BOM and blank space)."""
    head = data[:SNIFF_BYTES].lstrip(b" \t\r\n\x00")
    head = head.removeprefix(BOM).lstrip(b" \t\r\n\x00")
    if head.startswith(X12_START):
        return "x12"
    if head.startswith(EDIFACT_STARTS):
        return "edifact"
    raise EnvelopeError("neither an X12 ISA nor an EDIFACT UNA/UNB header", Location(byte_offset=0), "022")


def translate_inbound(data: bytes | BinaryIO, options: InboundOptions) -> TranslationResult:
    """Every interchange in ``data``: metadata, documents or located errors, and the acks to send."""
    source: bytes | Readable
    if isinstance(data, bytes):
        source, head = data, data[:SNIFF_BYTES]
    else:
        head = data.read(SNIFF_BYTES)
        source = Rewound(head, data)
    if detect_syntax(head) == "edifact":
        return _edifact().translate_inbound(source, options)
    from translators.x12.translate import translate_x12

    return translate_x12(source, options)


def render_outbound(document: CanonicalDocument, options: OutboundOptions) -> bytes:
    """``document`` as a complete interchange in ``options.syntax``."""
    if options.syntax == "edifact":
        return _edifact().render_outbound(document, options)
    from translators.x12.outbound import render_x12

    return render_x12(document, options)


class Rewound:
    """A stream whose first bytes were already read for syntax detection."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._rest.read(size)


class SyntaxEngine(Protocol):
    """What a syntax package (``translators.x12``, ``translators.edifact``) provides to this module."""

    def translate_inbound(self, data: bytes | Readable, options: InboundOptions) -> TranslationResult: ...

    def render_outbound(self, document: CanonicalDocument, options: OutboundOptions) -> bytes: ...


def _edifact() -> SyntaxEngine:
    """The EDIFACT engine: the one place that plugs ``translators.edifact`` into this API."""
    from translators.edifact.engine import ENGINE

    return ENGINE
