"""X12 and EDIFACT test interchanges built with the project's own renderer (no external samples)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from translators.api import render_outbound
from translators.canonical import OrderLine, PurchaseOrder, Quantity
from translators.options import OutboundOptions

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def purchase_order(po_number: str = "PO-1001", lines: int = 2) -> PurchaseOrder:
    return PurchaseOrder(
        po_number=po_number,
        order_date=NOW.date(),
        lines=tuple(
            OrderLine(line_number=str(n), quantity=Quantity(value=Decimal(n * 5), unit="EA"))
            for n in range(1, lines + 1)
        ),
    )


def x12_850(po_number: str = "PO-1001", control: int = 1, sender: str = "ACMESUPPLY", **kw: Any) -> bytes:
    options = OutboundOptions(
        syntax="x12",
        sender_id=sender,
        receiver_id="OURCO",
        interchange_control_number=control,
        group_control_number=control,
        now=NOW,
        version="004010",
        **kw,
    )
    return render_outbound(purchase_order(po_number), options)


def x12_partner(code: str = "acme", isa_id: str = "ACMESUPPLY", **extra: Any) -> dict[str, Any]:
    """A partner profile that sends X12 850s and wants 997s."""
    return {
        "code": code,
        "name": f"{code.title()} Inc",
        "identities": {"as2_id": f"{code.upper()} AS2", "x12": [{"isa_qualifier": "ZZ", "isa_id": isa_id}]},
        "formats": [{"direction": "inbound", "document_type": "850", "syntax": "x12", "version": "004010"}],
    } | extra
