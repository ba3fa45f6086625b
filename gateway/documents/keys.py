"""Business keys of canonical documents: what makes a document "the same" for duplicate detection."""

from __future__ import annotations

from dataclasses import dataclass

from translators.canonical import Acknowledgement, CanonicalDocument, FunctionalAck, PurchaseOrder, ShipNotice


@dataclass(frozen=True)
class DocumentKey:
    kind: str
    number: str
    business_key: str
    document_date: str | None


def document_key(document: CanonicalDocument) -> DocumentKey:
    """PO number + release + purpose for orders; PO + ack number + purpose for acknowledgements;
    shipment id + purpose for ship notices; the acknowledged interchange and groups for functional acks."""
    if isinstance(document, PurchaseOrder):
        key = f"{document.po_number}|{document.release_number or ''}|{document.purpose.value}"
        return DocumentKey(document.kind, document.po_number, key, document.order_date.isoformat())
    if isinstance(document, Acknowledgement):
        key = f"{document.po_number}|{document.ack_number or ''}|{document.purpose.value}"
        date = document.ack_date.isoformat() if document.ack_date else None
        return DocumentKey(document.kind, document.po_number, key, date)
    if isinstance(document, ShipNotice):
        key = f"{document.shipment_id}|{document.purpose.value}"
        return DocumentKey(document.kind, document.shipment_id, key, document.notice_date.isoformat())
    assert isinstance(document, FunctionalAck)
    groups = ",".join(f"{g.functional_id}:{g.control_number}" for g in document.groups)
    number = document.interchange_ref or groups
    return DocumentKey(document.kind, number, f"{number}|{groups}", None)
