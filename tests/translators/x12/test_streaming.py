"""Streaming: a large interchange read from a stream goes through lexer, envelope and validation in
bounded memory (the raw bytes are never held whole)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

from translators.x12.envelope import SetBody, SetEnd, iter_events
from translators.x12.validate import SetValidator

HEAD = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    b"*260301*1200*U*00401*000000001*0*P*>~\n"
    b"GS*SH*SENDER*RECEIVER*20260301*1200*1*X*004010~\nST*856*0001~\nBSN*00*BIG*20260301*1200*0001~\nHL*1**S~\n"
)
ITEM = b"HL*%d*1*I~\nLIN**UP*012345678905*VP*AB3542~\nSN1**12*EA~\nREF*LT*LOT42~\n"


class GeneratedStream:
    """``items`` 856 item loops produced on demand, never materialised as one buffer."""

    def __init__(self, items: int) -> None:
        self._parts = self._generate(items)
        self._pending = b""
        self.size = 0

    def _generate(self, items: int) -> Iterator[bytes]:
        yield HEAD
        for start in range(2, items + 2, 1000):
            yield b"".join(ITEM % n for n in range(start, min(start + 1000, items + 2)))
        yield b"SE*%d*0001~\nGE*1*1~\nIEA*1*000000001~\n" % (items * 4 + 4)

    def read(self, size: int = -1, /) -> bytes:
        while len(self._pending) < size:
            part = next(self._parts, None)
            if part is None:
                break
            self._pending += part
        data, self._pending = self._pending[:size], self._pending[size:]
        self.size += len(data)
        return data


def _peak_while_streaming(items: int) -> tuple[int, int]:
    stream = GeneratedStream(items)
    tracemalloc.start()
    segments, errors = 0, []
    for event in iter_events(stream):
        if isinstance(event, SetBody):
            validator = SetValidator(event.header)
            segments += sum(1 for _ in validator.wrap(event.segments))
            errors += validator.finish()
        elif isinstance(event, SetEnd):
            errors += event.errors
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not errors, [str(e) for e in errors[:3]]
    assert segments == items * 4 + 2
    return stream.size, peak


def test_large_856_streams_in_bounded_memory() -> None:
    small_size, small_peak = _peak_while_streaming(30_000)
    big_size, big_peak = _peak_while_streaming(120_000)
    assert big_size > 4 * small_size - 100_000
    assert big_peak < small_peak * 1.5, f"peak grew from {small_peak} to {big_peak} bytes"
