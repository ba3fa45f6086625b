"""The canonical advance ship notice (X12 856, EDIFACT DESADV): one shipment holding orders, which hold
tares (pallets), packs (cartons) and items, with carrier, bill of lading / PRO numbers, tracking numbers,
SSCC-18 labels, lots and serial numbers.

The tree is the physical hierarchy, whatever order the partner's HL/CPS levels came in: the structure code
says how the partner laid it out (e.g. X12 BSN05 0001 = S/O/T/P/I) so it can be rendered back the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field

from translators.canonical.common import (
    SCHEMA_VERSION,
    CanonicalModel,
    Carrier,
    Contact,
    DateRef,
    Extension,
    Fob,
    ItemId,
    Note,
    Party,
    Price,
    Quantity,
    Reference,
)
from translators.canonical.purchase_order import Purpose


class Lot(CanonicalModel):
    number: str
    quantity: Quantity | None = None
    expiry: dt.date | None = None


class Measure(CanonicalModel):
    """Packaging count and gross/net weight or volume of a shipment or package."""

    packaging_code: str | None = None
    lading_quantity: int | None = None
    weight_qualifier: str | None = None
    weight: Quantity | None = None
    volume: Quantity | None = None


class Mark(CanonicalModel):
    """A label on a package: SSCC-18, carrier tracking number or another marks-and-numbers code."""

    qualifier: str
    value: str


class Equipment(CanonicalModel):
    """A trailer, container or rail car the shipment travels in."""

    type_code: str | None = None
    initial: str | None = None
    number: str
    seal_numbers: tuple[str, ...] = ()


class ShipItem(CanonicalModel):
    line_number: str | None = None
    items: tuple[ItemId, ...] = ()
    shipped_quantity: Quantity
    ordered_quantity: Quantity | None = None
    status_code: str | None = Field(default=None, description="line item status code as given")
    unit_price: Price | None = None
    descriptions: tuple[str, ...] = ()
    lots: tuple[Lot, ...] = ()
    serial_numbers: tuple[str, ...] = ()
    dates: tuple[DateRef, ...] = ()
    references: tuple[Reference, ...] = ()
    notes: tuple[Note, ...] = ()
    extensions: tuple[Extension, ...] = ()


class Pack(CanonicalModel):
    """A carton (or, in a tare, a carton on a pallet)."""

    sscc: str | None = Field(default=None, description="SSCC-18 serial shipping container code")
    tracking_number: str | None = None
    marks: tuple[Mark, ...] = ()
    measures: tuple[Measure, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateRef, ...] = ()
    items: tuple[ShipItem, ...] = ()
    extensions: tuple[Extension, ...] = ()


class Tare(CanonicalModel):
    """A pallet holding packs (or items directly)."""

    sscc: str | None = None
    marks: tuple[Mark, ...] = ()
    measures: tuple[Measure, ...] = ()
    references: tuple[Reference, ...] = ()
    packs: tuple[Pack, ...] = ()
    items: tuple[ShipItem, ...] = ()
    extensions: tuple[Extension, ...] = ()


class ShipOrder(CanonicalModel):
    po_number: str | None = None
    po_date: dt.date | None = None
    release_number: str | None = None
    references: tuple[Reference, ...] = ()
    dates: tuple[DateRef, ...] = ()
    parties: tuple[Party, ...] = ()
    measures: tuple[Measure, ...] = ()
    carriers: tuple[Carrier, ...] = ()
    tares: tuple[Tare, ...] = ()
    packs: tuple[Pack, ...] = ()
    items: tuple[ShipItem, ...] = ()
    extensions: tuple[Extension, ...] = ()


class ShipNotice(CanonicalModel):
    kind: Literal["ship_notice"] = "ship_notice"
    schema_version: str = SCHEMA_VERSION
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = Field(default=None, description="partner's code when purpose is other")
    shipment_id: str
    notice_date: dt.date
    notice_time: dt.time | None = None
    structure_code: str | None = Field(default=None, description="hierarchy layout code as given")
    measures: tuple[Measure, ...] = ()
    carriers: tuple[Carrier, ...] = ()
    equipment: tuple[Equipment, ...] = ()
    fob: tuple[Fob, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateRef, ...] = ()
    parties: tuple[Party, ...] = ()
    contacts: tuple[Contact, ...] = ()
    notes: tuple[Note, ...] = ()
    orders: tuple[ShipOrder, ...] = ()
    line_count: int | None = None
    extensions: tuple[Extension, ...] = ()

    def all_items(self) -> tuple[ShipItem, ...]:
        """Every item in the shipment, depth first."""
        found: list[ShipItem] = []
        for order in self.orders:
            found.extend(order.items)
            for pack in order.packs:
                found.extend(pack.items)
            for tare in order.tares:
                found.extend(tare.items)
                for pack in tare.packs:
                    found.extend(pack.items)
        return tuple(found)

    def total_shipped(self) -> Decimal:
        return sum((item.shipped_quantity.value for item in self.all_items()), Decimal(0))
