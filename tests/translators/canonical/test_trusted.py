"""CanonicalModel.trusted: the unvalidated constructor the translators use for values their readers typed
equals the validating constructor field for field, in field order, in JSON, and stays frozen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from translators.canonical import (
    DateKind,
    DateRef,
    ItemId,
    ItemIdKind,
    Money,
    OrderLine,
    Price,
    PurchaseOrder,
    Quantity,
    ShipItem,
)

from .exact import assert_exactly_validated


def _line() -> dict[str, object]:
    return {
        "line_number": "1",
        "quantity": Quantity.trusted(value=Decimal("120"), unit="EA"),
        "unit_price": Price.trusted(amount=Money.trusted(amount=Decimal("9.25"), currency="USD"), basis="PE"),
        "items": (ItemId.trusted(kind=ItemIdKind.UPC, value="012345678905"),),
        "dates": (DateRef.trusted(kind=DateKind.REQUESTED_DELIVERY, date=dt.date(2026, 3, 20)),),
    }


def test_trusted_equals_validated() -> None:
    trusted = OrderLine.trusted(**_line())
    validated = OrderLine(**_line())
    assert trusted == validated
    assert list(trusted.__dict__) == list(validated.__dict__) == list(OrderLine.model_fields)
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert hash(trusted) == hash(validated)
    assert_exactly_validated(trusted)


def test_defaults_fill_missing_fields_in_order() -> None:
    po = PurchaseOrder.trusted(po_number="4500012345", order_date=dt.date(2026, 3, 1))
    assert po == PurchaseOrder(po_number="4500012345", order_date=dt.date(2026, 3, 1))
    assert po.kind == "purchase_order" and po.lines == () and po.totals is None
    assert list(po.__dict__) == list(PurchaseOrder.model_fields)


def test_trusted_instances_stay_frozen() -> None:
    quantity = Quantity.trusted(value=Decimal(1), unit="EA")
    with pytest.raises(ValidationError):
        quantity.unit = "CS"  # type: ignore[misc]
    changed = quantity.model_copy(update={"unit": "CS"})
    assert changed.unit == "CS" and quantity.unit == "EA"
    assert Quantity.trusted(value=Decimal(2)).model_fields_set == set(Quantity.model_fields)


@pytest.mark.parametrize(
    "wrong",
    [
        ShipItem.trusted(shipped_quantity=Quantity.trusted(value=0)),
        ShipItem.trusted(shipped_quantity=Quantity.trusted(value=Decimal(1)), descriptions=["a list"]),
    ],
)
def test_the_check_catches_a_value_of_the_wrong_type(wrong: ShipItem) -> None:
    with pytest.raises((AssertionError, UserWarning)):
        assert_exactly_validated(wrong)
