"""Canonical document -> complete EDIFACT interchange, with directory, syntax level, delimiters and
references as arguments."""

from __future__ import annotations

from translators.canonical import (
    Acknowledgement,
    CanonicalDocument,
    FunctionalAck,
    PurchaseOrder,
    ShipNotice,
)
from translators.edifact.errors import Code, EdifactRenderError
from translators.edifact.maps.contrl import ack_to_contrl
from translators.edifact.maps.desadv_out import asn_to_desadv
from translators.edifact.maps.orders import po_to_orders
from translators.edifact.maps.ordrsp import ack_to_ordrsp
from translators.edifact.render import InterchangeSpec, MessageSpec, SegmentSpec, render_interchange
from translators.errors import Location

DEFAULT_DIRECTORY = "D96A"
CONTRL_IDENTIFIERS = {"4": ("4", "1"), "3": ("D", "3")}


def split_directory(directory: str) -> tuple[str, str]:
    """'D96A', 'D:96A', 'D.96A' or '96A' -> ('D', '96A')."""
    text = directory.strip().upper().replace(":", "").replace(".", "")
    if len(text) == 3 and text[:2].isdigit():
        return "D", text
    if len(text) == 4 and text[0].isalpha() and text[1:3].isdigit():
        return text[0], text[1:]
    raise EdifactRenderError(
        f"directory {directory!r} is not like D96A", Location(), Code.VALUE_NOT_SUPPORTED
    )


def _body(document: CanonicalDocument, spec: InterchangeSpec) -> tuple[str, list[SegmentSpec]]:
    if isinstance(document, PurchaseOrder):
        return "ORDERS", po_to_orders(document)
    if isinstance(document, Acknowledgement):
        return "ORDRSP", ack_to_ordrsp(document)
    if isinstance(document, ShipNotice):
        return "DESADV", asn_to_desadv(document)
    if isinstance(document, FunctionalAck):
        return "CONTRL", ack_to_contrl(document, spec.recipient, spec.sender)
    raise EdifactRenderError(
        f"no EDIFACT message for {type(document).__name__}", Location(), Code.VALUE_NOT_SUPPORTED
    )


def message_spec(
    document: CanonicalDocument,
    spec: InterchangeSpec,
    reference: str,
    directory: str = DEFAULT_DIRECTORY,
    association: str = "",
) -> MessageSpec:
    """One UNH..UNT message for ``document``; CONTRL takes the syntax version's own identifier."""
    message_type, body = _body(document, spec)
    if message_type == "CONTRL":
        version, release = CONTRL_IDENTIFIERS.get(spec.syntax_version, ("2", "2"))
        return MessageSpec(reference, message_type, version, release, body)
    version, release = split_directory(directory)
    return MessageSpec(reference, message_type, version, release, body, association=association)


def render_document(
    document: CanonicalDocument,
    spec: InterchangeSpec,
    *,
    message_ref: str = "1",
    directory: str = DEFAULT_DIRECTORY,
    association: str = "",
) -> bytes:
    """``document`` as a complete interchange (UNA when ``spec.include_una``, UNB..UNZ)."""
    return render_interchange(spec, [message_spec(document, spec, message_ref, directory, association)])


def render_documents(
    documents: list[CanonicalDocument],
    spec: InterchangeSpec,
    *,
    first_message_ref: int = 1,
    directory: str = DEFAULT_DIRECTORY,
    association: str = "",
) -> bytes:
    """Several documents in one interchange, message references counting up from ``first_message_ref``."""
    messages = [
        message_spec(doc, spec, str(first_message_ref + i), directory, association)
        for i, doc in enumerate(documents)
    ]
    return render_interchange(spec, messages)
