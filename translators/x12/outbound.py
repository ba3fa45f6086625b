"""Outbound X12: a canonical document rendered as a complete interchange (ISA/GS/ST ... SE/GE/IEA) with the
version, separators and control numbers given in the options."""

from __future__ import annotations

from translators.canonical import Acknowledgement, CanonicalDocument, FunctionalAck, PurchaseOrder, ShipNotice
from translators.errors import RenderError
from translators.options import OutboundOptions
from translators.x12.ack import to_delimiters
from translators.x12.maps.ack_855 import write_855
from translators.x12.maps.area import write_tail
from translators.x12.maps.asn_levels import write_856
from translators.x12.maps.fa_997 import write_group_ack
from translators.x12.maps.po_850 import write_850
from translators.x12.maps.segments import Segment
from translators.x12.render import EnvelopeOptions, wrap_sets

DEFAULT_VERSION = "004010"
VERSION_999 = "005010X231"


def document_sets(document: CanonicalDocument, version: str) -> list[tuple[str, list[Segment]]]:
    """The transaction sets (id, body) that carry ``document``: one, or one per group of a FunctionalAck."""
    if isinstance(document, PurchaseOrder):
        return [("850", write_850(document))]
    if isinstance(document, Acknowledgement):
        return [("855", write_855(document))]
    if isinstance(document, ShipNotice):
        return [("856", write_856(document))]
    if isinstance(document, FunctionalAck):
        kind = "999" if version.startswith("005") else "997"
        sets = [(kind, write_group_ack(group, kind)) for group in document.groups]
        if sets:
            sets[0][1].extend(write_tail((), (), document.extensions))
        return sets
    raise RenderError(f"no X12 transaction set for {type(document).__name__}")


def envelope_options(
    options: OutboundOptions, version: str, implementation_ref: str | None
) -> EnvelopeOptions:
    return EnvelopeOptions(
        sender_id=options.sender_id,
        receiver_id=options.receiver_id,
        sender_qualifier=options.sender_qualifier,
        receiver_qualifier=options.receiver_qualifier,
        interchange_control_number=options.interchange_control_number,
        group_control_number=options.group_control_number,
        first_set_control_number=options.message_control_number,
        now=options.now,
        version=version,
        usage="T" if options.test else "P",
        ack_requested=options.ack_requested,
        delimiters=to_delimiters(options.separators, version[:5]),
        implementation_ref=implementation_ref,
    )


def render_x12(document: CanonicalDocument, options: OutboundOptions) -> bytes:
    version = options.version or DEFAULT_VERSION
    sets = document_sets(document, version)
    implementation_ref = options.implementation_ref
    if isinstance(document, FunctionalAck) and version.startswith("005"):
        version, implementation_ref = VERSION_999, implementation_ref or VERSION_999
    return wrap_sets(sets, envelope_options(options, version, implementation_ref))
