"""EDIFACT throughput: full translation to canonical documents beside pydifact's bare parse and a plain
split floor, on the same generated interchanges, in one run.

    python benchmarks/edifact_throughput.py [--mb 24] [--pydifact-mb 4]

Two interchanges are generated in memory from canonical documents by the project's own renderer: many
ORDERS (30 lines each) and many DESADV (pallets of cartons with SSCC labels, lots and serials). Figures
are MB/s of input bytes, all on the same file: the split floor, our tokeniser alone (the counterpart of
pydifact's parse), our full translation keeping every
document (``translate``), the same translation handing documents on one by one (``streaming``, bounded
memory), ``translate`` with the cyclic GC paused by the caller, and pydifact's bare
``Interchange.from_str``. ``--pydifact-mb`` lets pydifact parse only the first messages (re-enveloped).

The maps share repeated quantities, prices, dates and item ids between the documents of one translation
(at most 4096 of each kind). The generated documents repeat what real ones repeat (units, a price per
line position, delivery dates) but their item ids cycle through 30,000 values, so those are mostly
validated afresh.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
import warnings
from collections.abc import Callable
from decimal import Decimal

from translators.canonical import (
    DateKind,
    DateRef,
    ItemId,
    ItemIdKind,
    Lot,
    Measure,
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
    Reference,
    ReferenceKind,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tare,
)
from translators.edifact.envelope import EnvelopeReader
from translators.edifact.headers import Party as EnvelopeParty
from translators.edifact.outbound import render_documents
from translators.edifact.render import InterchangeSpec
from translators.edifact.stream import SegmentStream
from translators.edifact.syntax import DEFAULT_LIMITS
from translators.edifact.translate import iter_translate, translate

NOW = dt.datetime(2024, 1, 2, 3, 4)
SPEC = InterchangeSpec(
    EnvelopeParty("5412345000013", "14"), EnvelopeParty("4012345500004", "14"), "BENCH", NOW
)
BUYER_ID = PartyId(scheme=PartyIdScheme.GLN, value="5412345000013")
PARTIES = (
    Party(role=PartyRole.BUYER, name="Buyer GmbH", ids=(BUYER_ID,)),
    Party(role=PartyRole.SUPPLIER, ids=(PartyId(scheme=PartyIdScheme.GLN, value="4012345500004"),)),
    Party(role=PartyRole.SHIP_TO, ids=(PartyId(scheme=PartyIdScheme.GLN, value="5412345000020"),)),
)


def purchase_order(n: int) -> PurchaseOrder:
    lines = tuple(
        OrderLine(
            line_number=str(i),
            quantity=Quantity(value=Decimal(i % 7 + 1), unit="PCE"),
            unit_price=Price(amount=Money(amount=Decimal("12.50") + i, currency="EUR")),
            items=(
                ItemId(kind=ItemIdKind.EAN, value=f"40123450{n % 1000:03d}{i:02d}"),
                ItemId(kind=ItemIdKind.VENDOR_PART, value=f"ART-{i}"),
            ),
            descriptions=(f"Widget {i}: 10+2 pack?",),
            dates=(DateRef(kind=DateKind.REQUESTED_DELIVERY, date=dt.date(2024, 2, 1 + i % 27)),),
        )
        for i in range(1, 31)
    )
    return PurchaseOrder(
        po_number=f"PO{n:08d}",
        order_date=dt.date(2024, 1, 2),
        currency="EUR",
        parties=PARTIES,
        references=(Reference(kind=ReferenceKind.CONTRACT, value="CT-77"),),
        lines=lines,
    )


def ship_item(n: int, i: int) -> ShipItem:
    return ShipItem(
        line_number=str(i),
        items=(ItemId(kind=ItemIdKind.EAN, value=f"40123450{n % 1000:03d}{i:02d}"),),
        shipped_quantity=Quantity(value=Decimal(6), unit="PCE"),
        lots=(Lot(number=f"L{n}-{i}", expiry=dt.date(2025, 1, 1)),),
        serial_numbers=(f"S{n}{i}A", f"S{n}{i}B"),
    )


def ship_notice(n: int) -> ShipNotice:
    tares = tuple(
        Tare(
            sscc=f"3{n:09d}{t:07d}"[:18],
            measures=(Measure(packaging_code="PX", lading_quantity=1),),
            packs=tuple(
                Pack(sscc=f"3{n:09d}{t:03d}{p:04d}"[:18], items=(ship_item(n, p), ship_item(n, p + 10)))
                for p in range(1, 6)
            ),
        )
        for t in range(1, 4)
    )
    order = ShipOrder(po_number=f"PO{n:08d}", tares=tares)
    return ShipNotice(
        shipment_id=f"DN{n:08d}", notice_date=dt.date(2024, 1, 3), parties=PARTIES, orders=(order,)
    )


def build(factory: Callable[[int], object], mb: float) -> tuple[bytes, list[object]]:
    sample = render_documents([factory(0)], SPEC)  # type: ignore[list-item]
    count = max(1, int(mb * 1_000_000 / len(sample)))
    docs = [factory(n) for n in range(count)]
    return render_documents(docs, SPEC), docs  # type: ignore[arg-type]


def split_floor(data: bytes) -> int:
    """Decode and split into segments, elements and components: no release handling, no mapping."""
    count = 0
    for segment in data.decode("latin-1").split("'"):
        [element.split(":") for element in segment.split("+")]
        count += 1
    return count


def pydifact_parse(data: bytes) -> int:
    from pydifact.segmentcollection import Interchange

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return len(list(Interchange.from_str(data.decode("latin-1")).segments))


def ours_tokenise(data: bytes) -> int:
    """Our tokeniser alone (decode, UNA/UNB, release characters, segments as component lists): what
    pydifact's ``Interchange.from_str`` does, for the comparison of the two parsers."""
    stream = SegmentStream(data, DEFAULT_LIMITS)
    stream.open()
    return 1 + sum(len(batch) for batch in stream.batches())


def ours(data: bytes) -> int:
    """Full translation, every canonical document kept (what ``translate_inbound`` returns)."""
    result = translate(data)
    result.raise_for_errors()
    return len(result.documents())


def ours_streaming(data: bytes) -> int:
    """Full translation in bounded memory: each document is built, then handed on (here: counted)."""
    count = 0
    for message in iter_translate(EnvelopeReader(data)):
        if message.errors or message.document is None:
            raise message.errors[0] if message.errors else AssertionError(message.header)
        count += 1
    return count


def ours_gc_paused(data: bytes) -> int:
    """``ours`` with the cyclic collector paused by the caller (canonical documents hold no cycles):
    shows how much of the collect-everything figure is CPython re-scanning the growing result."""
    gc.disable()
    try:
        return ours(data)
    finally:
        gc.enable()


def timed(fn: Callable[[bytes], int], data: bytes) -> tuple[float, int]:
    """MB/s of one call, in CPU time of this process (every contender is single-threaded; other work on a
    shared machine does not count). The harness's own objects are collected and frozen first, so the
    collector only walks what the contender allocates (the same for every contender)."""
    gc.collect()
    gc.freeze()
    start = time.process_time()
    count = fn(data)
    elapsed = time.process_time() - start
    gc.unfreeze()
    return len(data) / 1e6 / elapsed, count


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--mb", type=float, default=24.0, help="size of each generated interchange")
    parser.add_argument(
        "--pydifact-mb", type=float, default=None, help="let pydifact parse only this many MB (default: all)"
    )
    args = parser.parse_args()
    print(
        f"{'file':<8} {'MB':>6} {'split floor':>12} {'tokenise':>10} {'translate':>10} {'streaming':>10}"
        f" {'gc paused':>10} {'pydifact':>10}   x pydifact (tokenise / translate / streaming / gc paused)"
    )
    for name, factory in (("ORDERS", purchase_order), ("DESADV", ship_notice)):
        data, docs = build(factory, args.mb)
        expected, sample = len(docs), data
        if args.pydifact_mb is not None and args.pydifact_mb < args.mb:
            share = max(1, int(len(docs) * args.pydifact_mb / args.mb))
            sample = render_documents(docs[:share], SPEC)  # type: ignore[arg-type]
        del docs
        floor, _ = timed(split_floor, data)
        tokens, _ = timed(ours_tokenise, data)
        full, count = timed(ours, data)
        stream, streamed = timed(ours_streaming, data)
        paused, _ = timed(ours_gc_paused, data)
        assert count == streamed == expected
        peer, _ = timed(pydifact_parse, sample)
        print(
            f"{name:<8} {len(data) / 1e6:>6.1f} {floor:>7.1f} MB/s {tokens:>5.2f} MB/s {full:>5.2f} MB/s"
            f" {stream:>5.2f} MB/s {paused:>5.2f} MB/s {peer:>5.2f} MB/s"
            f"   {tokens / peer:.1f}x / {full / peer:.1f}x / {stream / peer:.1f}x / {paused / peer:.1f}x"
        )


if __name__ == "__main__":
    main()
