"""856 hierarchies: SOI, SOPI, SOTPI are read into the tree; layouts it has no place for keep their data."""

from __future__ import annotations

import datetime as dt

from translators.api import translate_inbound
from translators.canonical import ShipNotice
from translators.options import InboundOptions

HEAD = (
    "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*RETAILER       "
    "*260305*1400*U*00401*000000009*0*P*>~"
    "GS*SH*SUPPLIER*RETAILER*20260305*1400*9*X*004010~"
)


def _notice(*body: str) -> ShipNotice:
    segments = ["ST*856*0001", "BSN*00*S1*20260305*1400*0001", *body]
    text = HEAD + "~".join(segments) + f"~SE*{len(segments) + 1}*0001~GE*1*9~IEA*1*000000009~"
    result = translate_inbound(text.encode(), InboundOptions(now=dt.datetime(2026, 3, 5)))
    assert result.ok, [str(e) for e in result.all_errors()]
    (document,) = result.documents
    assert isinstance(document, ShipNotice)
    return document


ITEM = ("LIN**UP*012345678905", "SN1**6*EA")


def test_soi_order_items() -> None:
    notice = _notice("HL*1**S", "HL*2*1*O", "PRF*PO-1", "HL*3*2*I", *ITEM, "HL*4*2*I", *ITEM)
    assert [len(o.items) for o in notice.orders] == [2]
    assert notice.total_shipped() == 12


def test_sotpi_with_inferred_parents() -> None:
    notice = _notice(
        "HL*1**S", "HL*2**O", "PRF*PO-1", "HL*3**T", "MAN*GM*00000000000000000017",
        "HL*4**P", "MAN*GM*00000000000000000024", "HL*5**I", *ITEM, "HL*6**P", "HL*7**I", *ITEM,
    )  # fmt: skip
    (tare,) = notice.orders[0].tares
    assert tare.sscc == "00000000000000000017"
    assert [p.sscc for p in tare.packs] == ["00000000000000000024", None]
    assert [len(p.items) for p in tare.packs] == [1, 1]


def test_items_under_the_shipment_get_an_order_without_prf() -> None:
    notice = _notice("HL*1**S", "HL*2*1*P", "MAN*GM*00000000000000000031", "HL*3*2*I", *ITEM)
    (order,) = notice.orders
    assert order.po_number is None
    assert order.packs[0].items[0].shipped_quantity.value == 6


def test_pack_under_item_is_kept_verbatim_on_the_item() -> None:
    notice = _notice(
        "HL*1**S", "HL*2*1*O", "PRF*PO-1", "HL*3*2*I", *ITEM, "HL*4*3*P", "MAN*GM*00000000000000000048"
    )
    (item,) = notice.orders[0].items
    assert [(e.tag, e.elements[-1]) for e in item.extensions] == [
        ("HL", ("P",)),
        ("MAN", ("00000000000000000048",)),
    ]


def test_unknown_level_and_its_children_stay_in_place() -> None:
    notice = _notice("HL*1**S", "HL*2*1*O", "PRF*PO-1", "HL*3*2*Q", "REF*ZZ*X", "HL*4*3*I", *ITEM)
    order = notice.orders[0]
    assert [e.tag for e in order.extensions] == ["HL", "REF"]
    assert len(order.items) == 1
