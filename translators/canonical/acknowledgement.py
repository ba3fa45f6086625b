"""The canonical purchase order acknowledgement (X12 855, EDIFACT ORDRSP): the seller's answer to a PO,
with a status per line and the quantity, price or date it changed."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field

from translators.canonical.common import (
    SCHEMA_VERSION,
    CanonicalModel,
    Contact,
    DateRef,
    Extension,
    ItemId,
    Note,
    Party,
    Price,
    Quantity,
    Reference,
)
from translators.canonical.purchase_order import Purpose, Schedule


class AckStatus(StrEnum):
    """The answer to the whole order."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    ACCEPTED_WITH_EXCEPTIONS = "accepted_with_exceptions"
    ACCEPTED_NO_DETAIL = "accepted_no_detail"
    REJECTED = "rejected"
    REJECTED_NO_DETAIL = "rejected_no_detail"
    PENDING = "pending"
    OTHER = "other"


class LineStatus(StrEnum):
    """The answer to one line."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    QUANTITY_CHANGED = "quantity_changed"
    PRICE_CHANGED = "price_changed"
    DATE_CHANGED = "date_changed"
    SUBSTITUTED = "substituted"
    BACKORDERED = "backordered"
    PARTIALLY_BACKORDERED = "partially_backordered"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    DELETED = "deleted"
    SHIPPED = "shipped"
    OTHER = "other"


class LineAck(CanonicalModel):
    """One status of a line, with the quantity/date/price it applies to (a line may be split)."""

    status: LineStatus
    status_code: str | None = Field(default=None, description="partner's code when status is other")
    quantity: Quantity | None = None
    date: DateRef | None = None
    unit_price: Price | None = None
    items: tuple[ItemId, ...] = ()


class AckLine(CanonicalModel):
    line_number: str | None = None
    ordered_quantity: Quantity | None = None
    unit_price: Price | None = None
    items: tuple[ItemId, ...] = ()
    descriptions: tuple[str, ...] = ()
    statuses: tuple[LineAck, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    dates: tuple[DateRef, ...] = ()
    references: tuple[Reference, ...] = ()
    notes: tuple[Note, ...] = ()
    extensions: tuple[Extension, ...] = ()


class Acknowledgement(CanonicalModel):
    kind: Literal["acknowledgement"] = "acknowledgement"
    schema_version: str = SCHEMA_VERSION
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = Field(default=None, description="partner's code when purpose is other")
    status: AckStatus
    status_code: str | None = Field(default=None, description="partner's code when status is other")
    po_number: str
    po_date: dt.date | None = None
    ack_number: str | None = None
    ack_date: dt.date | None = None
    release_number: str | None = None
    currency: str | None = None
    parties: tuple[Party, ...] = ()
    contacts: tuple[Contact, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateRef, ...] = ()
    notes: tuple[Note, ...] = ()
    lines: tuple[AckLine, ...] = ()
    line_count: int | None = None
    extensions: tuple[Extension, ...] = ()
