"""Canonical documents: frozen, discriminated by kind, Decimal-exact through JSON, schema published."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from translators.canonical import (
    SCHEMA_VERSION,
    AckLevelStatus,
    AckLine,
    Acknowledgement,
    AckStatus,
    DateKind,
    DateRef,
    ElementNote,
    Extension,
    FunctionalAck,
    GroupAck,
    ItemId,
    ItemIdKind,
    LineAck,
    LineStatus,
    MessageAck,
    Money,
    OrderLine,
    Pack,
    Party,
    PartyId,
    PartyIdScheme,
    PartyRole,
    Price,
    PurchaseOrder,
    Quantity,
    SegmentNote,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tare,
    json_schema,
    parse_document,
)


def _po() -> PurchaseOrder:
    return PurchaseOrder(
        po_number="4500012345",
        order_date=dt.date(2026, 3, 1),
        currency="USD",
        parties=(
            Party(
                role=PartyRole.BUYER,
                name="ACME",
                ids=(PartyId(scheme=PartyIdScheme.DUNS, value="123456789"),),
            ),
        ),
        dates=(DateRef(kind=DateKind.REQUESTED_DELIVERY, date=dt.date(2026, 3, 20)),),
        lines=(
            OrderLine(
                line_number="1",
                quantity=Quantity(value=Decimal("12.500"), unit="EA"),
                unit_price=Price(amount=Money(amount=Decimal("0.10"), currency="USD"), basis="PE"),
                items=(ItemId(kind=ItemIdKind.UPC, value="012345678905"),),
                descriptions=("WIDGET, BLUE",),
            ),
        ),
        extensions=(Extension(tag="ZZZ", elements=(("A",), ("B", "C"))),),
    )


def test_json_round_trip_keeps_decimals_exact() -> None:
    po = _po()
    again = parse_document(po.model_dump_json())
    assert again == po
    assert isinstance(again, PurchaseOrder)
    assert again.lines[0].quantity.value.as_tuple() == Decimal("12.500").as_tuple()
    assert again.schema_version == SCHEMA_VERSION


def test_models_are_frozen() -> None:
    po = _po()
    with pytest.raises(ValidationError):
        po.po_number = "other"  # type: ignore[misc]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Quantity(value=Decimal(1), unit="EA", colour="red")  # type: ignore[call-arg]


def test_discriminator_picks_the_class() -> None:
    ack = Acknowledgement(
        status=AckStatus.ACCEPTED_WITH_CHANGES,
        po_number="PO1",
        lines=(
            AckLine(
                line_number="1",
                statuses=(
                    LineAck(
                        status=LineStatus.QUANTITY_CHANGED, quantity=Quantity(value=Decimal(5), unit="EA")
                    ),
                    LineAck(status=LineStatus.BACKORDERED, quantity=Quantity(value=Decimal(7), unit="EA")),
                ),
            ),
        ),
    )
    fa = FunctionalAck(
        groups=(
            GroupAck(
                functional_id="PO",
                control_number="12",
                status=AckLevelStatus.REJECTED,
                messages=(
                    MessageAck(
                        message_type="850",
                        control_number="0001",
                        status=AckLevelStatus.REJECTED,
                        segments=(
                            SegmentNote(
                                tag="PO1", position=7, code="8", elements=(ElementNote(position=2, code="6"),)
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )
    assert isinstance(parse_document(ack.model_dump_json()), Acknowledgement)
    assert isinstance(parse_document(fa.model_dump_json()), FunctionalAck)
    with pytest.raises(ValidationError):
        parse_document('{"kind": "invoice"}')


def test_ship_notice_hierarchy_totals() -> None:
    item = ShipItem(
        items=(ItemId(kind=ItemIdKind.GTIN, value="00012345678905"),),
        shipped_quantity=Quantity(value=Decimal(3), unit="EA"),
    )
    notice = ShipNotice(
        shipment_id="SH1",
        notice_date=dt.date(2026, 3, 2),
        orders=(
            ShipOrder(
                po_number="PO1",
                tares=(
                    Tare(sscc="000123450000000017", packs=(Pack(sscc="000123450000000024", items=(item,)),)),
                ),
                items=(item,),
            ),
        ),
    )
    assert notice.total_shipped() == Decimal(6)
    assert len(notice.all_items()) == 2


def test_json_schema_covers_every_kind() -> None:
    schema = json_schema()
    kinds = set(schema["discriminator"]["mapping"])
    assert kinds == {"purchase_order", "acknowledgement", "ship_notice", "functional_ack"}
    assert SCHEMA_VERSION in schema["$comment"]
