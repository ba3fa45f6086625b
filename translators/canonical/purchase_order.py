"""The canonical purchase order (X12 850, EDIFACT ORDERS): header, parties, terms, lines, schedules and
totals, enough for an ERP to book the order without looking at the EDI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field

from translators.canonical.common import (
    SCHEMA_VERSION,
    AllowanceCharge,
    CanonicalModel,
    Carrier,
    Contact,
    DateRef,
    Extension,
    Fob,
    ItemId,
    Money,
    Note,
    Party,
    PaymentTerms,
    Price,
    Quantity,
    Reference,
)


class Purpose(StrEnum):
    """Why a document was sent (X12 353, EDIFACT 1225)."""

    ORIGINAL = "original"
    CANCELLATION = "cancellation"
    REPLACE = "replace"
    CHANGE = "change"
    DUPLICATE = "duplicate"
    CONFIRMATION = "confirmation"
    OTHER = "other"


class OrderType(StrEnum):
    STANDALONE = "standalone"
    BLANKET = "blanket"
    RELEASE = "release"
    DROP_SHIP = "drop_ship"
    RUSH = "rush"
    CONSIGNED = "consigned"
    NEW_STORE = "new_store"
    REPLENISHMENT = "replenishment"
    CONTRACT = "contract"
    SAMPLE = "sample"
    OTHER = "other"


class Schedule(CanonicalModel):
    """One delivery of part of a line's quantity."""

    quantity: Quantity
    dates: tuple[DateRef, ...] = ()


class Packaging(CanonicalModel):
    """How each line is packed (X12 PO4, EDIFACT PAC)."""

    pack: int | None = None
    inner_size: Decimal | None = None
    inner_unit: str | None = None
    packaging_code: str | None = None
    weight: Quantity | None = None


class OrderLine(CanonicalModel):
    line_number: str | None = None
    quantity: Quantity
    unit_price: Price | None = None
    items: tuple[ItemId, ...] = ()
    descriptions: tuple[str, ...] = ()
    packaging: tuple[Packaging, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    dates: tuple[DateRef, ...] = ()
    references: tuple[Reference, ...] = ()
    parties: tuple[Party, ...] = ()
    notes: tuple[Note, ...] = ()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    extensions: tuple[Extension, ...] = ()


class OrderTotals(CanonicalModel):
    line_count: int | None = None
    quantity_total: Decimal | None = None
    amount: Money | None = None


class PurchaseOrder(CanonicalModel):
    kind: Literal["purchase_order"] = "purchase_order"
    schema_version: str = SCHEMA_VERSION
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = Field(default=None, description="partner's code when purpose is other")
    order_type: OrderType = OrderType.STANDALONE
    order_type_code: str | None = Field(default=None, description="partner's code when order_type is other")
    po_number: str
    release_number: str | None = None
    order_date: dt.date
    currency: str | None = None
    parties: tuple[Party, ...] = ()
    contacts: tuple[Contact, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateRef, ...] = ()
    terms: tuple[PaymentTerms, ...] = ()
    fob: tuple[Fob, ...] = ()
    carriers: tuple[Carrier, ...] = ()
    notes: tuple[Note, ...] = ()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    lines: tuple[OrderLine, ...] = ()
    totals: OrderTotals | None = None
    extensions: tuple[Extension, ...] = ()
