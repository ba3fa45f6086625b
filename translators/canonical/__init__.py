"""Canonical documents: the syntax-neutral payload the ERP sees (DESIGN §2). One discriminated union,
``CanonicalDocument``, keyed on ``kind``; its JSON Schema is a published, versioned contract."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from translators.canonical.acknowledgement import AckLine, Acknowledgement, AckStatus, LineAck, LineStatus
from translators.canonical.common import (
    SCHEMA_VERSION,
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    CanonicalModel,
    Carrier,
    Contact,
    DateKind,
    DateRef,
    Extension,
    Fob,
    ItemId,
    ItemIdKind,
    Money,
    Note,
    Party,
    PartyId,
    PartyIdScheme,
    PartyRole,
    PaymentTerms,
    Price,
    Quantity,
    Reference,
    ReferenceKind,
)
from translators.canonical.functional_ack import (
    AckLevelStatus,
    ElementNote,
    FunctionalAck,
    GroupAck,
    MessageAck,
    SegmentNote,
)
from translators.canonical.purchase_order import (
    OrderLine,
    OrderTotals,
    OrderType,
    Packaging,
    PurchaseOrder,
    Purpose,
    Schedule,
)
from translators.canonical.ship_notice import (
    Equipment,
    Lot,
    Mark,
    Measure,
    Pack,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tare,
)

CanonicalDocument = Annotated[
    PurchaseOrder | Acknowledgement | ShipNotice | FunctionalAck, Field(discriminator="kind")
]
DOCUMENT_ADAPTER: TypeAdapter[CanonicalDocument] = TypeAdapter(CanonicalDocument)


def parse_document(data: str | bytes) -> CanonicalDocument:
    """Validate canonical JSON into its document class (pydantic's ValidationError on bad input)."""
    return DOCUMENT_ADAPTER.validate_json(data)


def document_from_dict(data: dict[str, Any]) -> CanonicalDocument:
    return DOCUMENT_ADAPTER.validate_python(data)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of every canonical document, stamped with the schema version."""
    schema = DOCUMENT_ADAPTER.json_schema()
    schema["title"] = "CanonicalDocument"
    schema["$comment"] = f"schema_version {SCHEMA_VERSION}"
    return schema


__all__ = [
    "DOCUMENT_ADAPTER",
    "SCHEMA_VERSION",
    "AckLevelStatus",
    "AckLine",
    "AckStatus",
    "Acknowledgement",
    "Address",
    "AllowanceCharge",
    "AllowanceOrCharge",
    "CanonicalDocument",
    "CanonicalModel",
    "Carrier",
    "Contact",
    "DateKind",
    "DateRef",
    "ElementNote",
    "Equipment",
    "Extension",
    "Fob",
    "FunctionalAck",
    "GroupAck",
    "ItemId",
    "ItemIdKind",
    "LineAck",
    "LineStatus",
    "Lot",
    "Mark",
    "Measure",
    "MessageAck",
    "Money",
    "Note",
    "OrderLine",
    "OrderTotals",
    "OrderType",
    "Pack",
    "Packaging",
    "Party",
    "PartyId",
    "PartyIdScheme",
    "PartyRole",
    "PaymentTerms",
    "Price",
    "PurchaseOrder",
    "Purpose",
    "Quantity",
    "Reference",
    "ReferenceKind",
    "Schedule",
    "SegmentNote",
    "ShipItem",
    "ShipNotice",
    "ShipOrder",
    "Tare",
    "document_from_dict",
    "json_schema",
    "parse_document",
]
