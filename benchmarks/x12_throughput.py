"""X12 throughput: full translation to canonical documents vs. the floor of plain ``bytes.split``
tokenising and vs. pyx12's bare segment reader, on the same in-memory 850 and 856 (tens of MB each).

Run: ``python benchmarks/x12_throughput.py [--mb 30]``. Prints MB/s and segments/s per contender, in CPU
time (``time.process_time``) so a busy machine does not skew the comparison, its share of the floor and
its multiple of pyx12's reader. The translation runs twice: as any caller gets it, and with the cyclic
garbage collector paused by the caller around the call (canonical documents hold no reference cycles, so
a worker may do that; the translators never touch the collector themselves).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import time
from collections.abc import Callable

from translators.api import translate_inbound
from translators.options import InboundOptions, Limits

ISA = (
    "ISA*00*          *00*          *ZZ*BUYERID        *ZZ*SELLERID       *"
    + "260301*0800*U*00401*000000001*0*P*>~\n"
)
NOW = dt.datetime(2026, 3, 1, 8, 0)
WARM_UP = (
    ISA + "GS*PO*BUYERID*SELLERID*20260301*0800*1*X*004010~ST*850*0001~BEG*00*SA*1**20260301~"
    "PO1*1*1*EA~SE*4*0001~GE*1*1~IEA*1*000000001~"
).encode()


def _envelope(functional_id: str, set_id: str, body: list[str]) -> bytes:
    segments = [f"ST*{set_id}*0001", *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    text = f"GS*{functional_id}*BUYERID*SELLERID*20260301*0800*1*X*004010~\n"
    text += "".join(s + "~\n" for s in segments) + "GE*1*1~\nIEA*1*000000001~\n"
    return (ISA + text).encode()


def purchase_order(megabytes: float) -> bytes:
    line = (
        "PO1*{n}*120*EA*9.25*PE*BP*065322-{n}*VP*AB3542*UP*012345678905",
        "PID*F****SMALL WIDGET, BLUE, BOX OF 12",
        "PO4*4*4*EA*PLT94**3*LB",
        "DTM*002*20260320",
    )
    size = sum(len(s) + 2 for s in line)
    lines = int(megabytes * 1_000_000 / size)
    body = ["BEG*00*SA*4500012345**20260301", "CUR*BY*USD", "REF*DP*038", "N1*ST*WAREHOUSE 7*92*0007"]
    for n in range(1, lines + 1):
        body += [s.format(n=n) for s in line]
    body.append(f"CTT*{lines}")
    return _envelope("PO", "850", body)


def ship_notice(megabytes: float) -> bytes:
    body = [
        "BSN*00*SHIP0001*20260301*0800*0001",
        "HL*1**S",
        "TD1*CTN25*10****G*100*LB",
        "TD5*B*2*UPSN*M",
        "REF*BM*BOL123",
    ]
    hl, order = 1, 0
    size = sum(len(s) + 2 for s in body)
    while size < megabytes * 1_000_000:
        order += 1
        hl += 1
        parent = hl
        loop = [f"HL*{hl}*1*O", f"PRF*PO{order:08d}", "REF*DP*038"]
        for pack in range(20):
            hl += 1
            pack_id = hl
            loop += [f"HL*{hl}*{parent}*P", f"MAN*GM*00012345{order:06d}{pack:04d}"]
            hl += 1
            loop += [
                f"HL*{hl}*{pack_id}*I",
                f"LIN*{pack + 1}*UP*012345678905*VP*AB3542",
                "SN1**12*EA",
                "REF*LT*LOT42",
            ]
        body += loop
        size += sum(len(s) + 2 for s in loop)
    return _envelope("SH", "856", body)


def _measure(run: Callable[[bytes], int], data: bytes) -> tuple[float, float, float]:
    run(WARM_UP)  # imports and first-call setup are not throughput
    start = time.process_time()
    segments = run(data)
    seconds = time.process_time() - start
    return len(data) / 1e6 / seconds, segments / seconds, seconds


def split_floor(data: bytes) -> int:
    count = 0
    for segment in data.split(b"~"):
        segment.split(b"*")
        count += 1
    return count


def pyx12_reader(data: bytes) -> int:
    from pyx12.x12file import X12Reader

    return sum(1 for _ in X12Reader(io.StringIO(data.decode("ascii"))))


def full_translation(data: bytes) -> int:
    result = translate_inbound(data, InboundOptions(now=NOW, limits=Limits(max_segments=50_000_000)))
    if not result.ok:
        raise SystemExit(f"benchmark input did not translate cleanly: {result.all_errors()[:3]}")
    return data.count(b"~")


def full_translation_gc_paused(data: bytes) -> int:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return full_translation(data)
    finally:
        if enabled:
            gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=30.0, help="size of each generated interchange")
    parser.add_argument("--skip-pyx12", action="store_true", help="pyx12 is slow on tens of MB")
    args = parser.parse_args()
    for name, data in (("850", purchase_order(args.mb)), ("856", ship_notice(args.mb))):
        print(f"\n{name}: {len(data) / 1e6:.1f} MB, {data.count(b'~')} segments")
        floor = _measure(split_floor, data)
        rows = [
            ("bytes.split floor", floor),
            ("translate_inbound -> canonical", _measure(full_translation, data)),
            ("  same, GC paused by the caller", _measure(full_translation_gc_paused, data)),
        ]
        if not args.skip_pyx12:
            rows.append(("pyx12 X12Reader (segments only)", _measure(pyx12_reader, data)))
        pyx12 = rows[-1][1][0] if not args.skip_pyx12 else None
        for label, (mbps, sps, seconds) in rows:
            share = mbps / floor[0] * 100
            versus = f" {mbps / pyx12:6.2f}x pyx12" if pyx12 else ""
            print(
                f"  {label:34s} {mbps:8.2f} MB/s {sps:12,.0f} seg/s {seconds:7.2f} s {share:6.1f}% of floor"
                + versus
            )


if __name__ == "__main__":
    main()
