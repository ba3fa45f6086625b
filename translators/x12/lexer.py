"""X12 lexer: reads the separators from each fixed-width ISA header and turns a byte stream into segments
(lists of element strings, tag first) in bounded memory.

The element separator is the byte after ``ISA``; ISA16 (the component separator) is the byte after the
16th element separator and the segment terminator is the byte right after it, optionally followed by
CR/LF and indentation which are skipped. ISA11 is the repetition separator when it is not alphanumeric.
"ISA" found inside data is never trusted: an interchange header is only looked for where the previous
interchange ended (after IEA), and interchanges in one file may each use their own separators.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from translators.errors import EnvelopeError, LimitExceededError, Location
from translators.options import Limits, Readable

ISA_TAG = b"ISA"
ISA_ELEMENT_COUNT = 16
ISA_NOMINAL_LENGTH = 106
ISA_REPETITION = 11
ISA_VERSION = 12
ISA_CONTROL_NUMBER = 13
BOM = b"\xef\xbb\xbf"
LEADING_NOISE = b" \t\r\n\x00\x1a"
WHITESPACE = " \t\r\n"
LINE_ENDS = "\r\n"
DEFAULT_CHUNK = 1 << 20
RUN_LENGTH = 256

TA1_INVALID_TERMINATOR = "004"
TA1_INVALID_CONTROL_STRUCTURE = "022"
TA1_PREMATURE_END = "023"
TA1_INVALID_ELEMENT_SEPARATOR = "026"
TA1_INVALID_COMPONENT_SEPARATOR = "027"


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    repetition: str | None = "^"
    segment: str = "~"
    suffix: str = "\n"

    def all(self) -> tuple[str, ...]:
        return tuple(d for d in (self.element, self.component, self.repetition, self.segment) if d)


DEFAULT_LIMITS = Limits()


def _isa_separator_positions(head: bytes, element: int) -> list[int]:
    positions = [3]
    while len(positions) < ISA_ELEMENT_COUNT:
        found = head.find(element, positions[-1] + 1)
        if found < 0:
            break
        positions.append(found)
    return positions


def read_delimiters(head: bytes, offset: int = 0) -> tuple[Delimiters, int]:
    """Separators of the interchange whose ISA starts ``head``; also the length of the ISA segment."""
    location = Location(segment_tag="ISA", byte_offset=offset)
    if len(head) < 4 or not head.startswith(ISA_TAG):
        raise EnvelopeError("interchange does not start with an ISA segment", location, "022")
    element = head[3]
    if chr(element).isalnum() or chr(element) in WHITESPACE:
        raise EnvelopeError("invalid element separator in ISA", location, TA1_INVALID_ELEMENT_SEPARATOR)
    positions = _isa_separator_positions(head, element)
    if len(positions) < ISA_ELEMENT_COUNT or len(head) < positions[-1] + 3:
        raise EnvelopeError("ISA segment is truncated", location, TA1_PREMATURE_END)
    component, segment = head[positions[-1] + 1], head[positions[-1] + 2]
    _check_separators(element, component, segment, location)
    isa11 = head[positions[ISA_REPETITION - 1] + 1 : positions[ISA_REPETITION]]
    repetition = _repetition(isa11, (element, component, segment))
    end = positions[-1] + 3
    suffix = _suffix(head[end : end + 2], segment)
    delimiters = Delimiters(chr(element), chr(component), repetition, chr(segment), suffix)
    return delimiters, end


def _check_separators(element: int, component: int, segment: int, location: Location) -> None:
    if chr(component).isalnum() or component in (element, segment) or chr(component) in WHITESPACE:
        raise EnvelopeError("invalid component separator ISA16", location, TA1_INVALID_COMPONENT_SEPARATOR)
    if chr(segment).isalnum() or segment in (element, component) or segment == ord(" "):
        raise EnvelopeError("invalid segment terminator after ISA16", location, TA1_INVALID_TERMINATOR)


def _repetition(isa11: bytes, others: tuple[int, ...]) -> str | None:
    if len(isa11) != 1 or chr(isa11[0]).isalnum() or isa11[0] in others or isa11 == b" ":
        return None
    return isa11.decode("latin-1")


def _suffix(after: bytes, segment: int) -> str:
    if segment in (ord("\r"), ord("\n")):
        return "\n" if after.startswith(b"\n") and segment == ord("\r") else ""
    if after.startswith(b"\r\n"):
        return "\r\n"
    return after[:1].decode("latin-1") if after[:1] in (b"\n", b"\r") else ""


def decode(raw: bytes) -> str:
    """X12 text is ASCII or UTF-8; anything else is read byte for byte (Latin-1) instead of failing."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class SegmentReader:
    """Iterates the segments of every interchange in ``source`` (bytes or a binary stream).

    ``delimiters`` is the separators of the interchange being read; ``interchange_offset`` the byte
    offset of its ISA. Memory stays bounded by ``chunk_size`` plus one segment.
    """

    def __init__(
        self, source: bytes | Readable, limits: Limits = DEFAULT_LIMITS, chunk_size: int = DEFAULT_CHUNK
    ):
        self._source = source
        self._limits = limits
        self._chunk_size = chunk_size
        self.delimiters: Delimiters | None = None
        self.interchange_offset = 0
        self._consumed = 0
        self._buffer = b""
        self._eof = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        if isinstance(self._source, bytes):
            chunk, self._source = self._source, b""
        else:
            chunk = self._source.read(self._chunk_size)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def _take(self, length: int) -> bytes:
        taken, self._buffer = self._buffer[:length], self._buffer[length:]
        self._consumed += length
        return taken

    def _skip_noise(self) -> bool:
        while True:
            stripped = self._buffer.lstrip(LEADING_NOISE)
            while stripped.startswith(BOM):
                stripped = stripped[len(BOM) :].lstrip(LEADING_NOISE)
            self._take(len(self._buffer) - len(stripped))
            if self._buffer or not self._fill():
                return bool(self._buffer)

    def __iter__(self) -> Iterator[list[str]]:
        return chain.from_iterable(self.batches())

    def batches(self) -> Iterator[list[list[str]]]:
        """The segments in runs (the ISA alone, then the segments of each decoded chunk), so callers can
        work through a run in a tight loop instead of one generator step per segment."""
        while self._skip_noise():
            yield [self._read_isa()]
            yield from self._read_body()

    def _read_isa(self) -> list[str]:
        while len(self._buffer) < 2 * ISA_NOMINAL_LENGTH and self._fill():
            pass
        self.interchange_offset = self._consumed
        delimiters, length = read_delimiters(self._buffer, self._consumed)
        self.delimiters = delimiters
        return decode(self._take(length)[:-1]).split(delimiters.element)

    def _find_trailer(self, term: int, iea: bytes) -> int:
        """End (after its terminator) of the IEA segment in the buffer, 0 if none, -1 if incomplete."""
        buffer = self._buffer
        pos = buffer.find(iea)
        while pos >= 0:
            before = pos - 1
            while before >= 0 and buffer[before] in LEADING_NOISE:
                before -= 1
            if before < 0 or buffer[before] == term:
                end = buffer.find(term, pos)
                return end + 1 if end >= 0 else (len(buffer) if self._eof else -1)
            pos = buffer.find(iea, pos + 1)
        return 0

    def _read_body(self) -> Iterator[list[list[str]]]:
        d = self.delimiters
        assert d is not None
        term = ord(d.segment)
        iea = b"IEA" + d.element.encode("latin-1")
        start = self.interchange_offset
        while True:
            trailer = self._find_trailer(term, iea)
            if trailer > 0:
                yield from self._split(decode(self._take(trailer)), d)
                return
            if self._eof:
                yield from self._split(decode(self._take(len(self._buffer))), d)
                return
            cut = self._buffer.rfind(term) + 1 if trailer == 0 else 0
            if cut and len(self._buffer) >= self._chunk_size:
                yield from self._split(decode(self._take(cut)), d)
            elif self._fill():
                self._check_size(start)

    def _check_size(self, start: int) -> None:
        if self._consumed + len(self._buffer) - start > self._limits.max_interchange_bytes:
            raise LimitExceededError("interchange exceeds the size limit", Location(byte_offset=start), "023")
        if len(self._buffer) > self._chunk_size + self._limits.max_segment_bytes:
            tail = self._buffer[-self._limits.max_segment_bytes :]
            if self.delimiters and ord(self.delimiters.segment) not in tail:
                location = Location(byte_offset=self._consumed)
                raise LimitExceededError("segment exceeds the length limit", location)

    def _split(self, text: str, d: Delimiters) -> Iterator[list[list[str]]]:
        """The segments of ``text`` in runs of up to ``RUN_LENGTH``. A segment over a limit ends its run
        just before it and raises once the segments before it were taken, as if read one by one."""
        raw = text.split(d.segment)
        if " " + d.segment in text or "\t" + d.segment in text:
            # Trailing blanks are data unless the segment also starts with white space or ends a line.
            cleaned = [r.strip(WHITESPACE) if r[:1] in WHITESPACE or r[-1:] in LINE_ENDS else r for r in raw]
        else:
            cleaned = [r.strip(WHITESPACE) for r in raw]
            if raw[-1][-1:] in " \t" and raw[-1][:1] not in WHITESPACE:
                cleaned[-1] = raw[-1]
        segments = list(filter(None, cleaned))
        for start in range(0, len(segments), RUN_LENGTH):
            yield from self._run(segments[start : start + RUN_LENGTH], d.element)

    def _run(self, segments: list[str], element: str) -> Iterator[list[list[str]]]:
        limits = self._limits
        error: LimitExceededError | None = None
        if max(map(len, segments)) > limits.max_segment_bytes:
            long = next(i for i, s in enumerate(segments) if len(s) > limits.max_segment_bytes)
            location = Location(segment_tag=segments[long][:3])
            error = LimitExceededError("segment exceeds the length limit", location)
            segments = segments[:long]
        run = [s.split(element) for s in segments]
        if run and max(map(len, run)) > limits.max_elements:
            wide = next(i for i, s in enumerate(run) if len(s) > limits.max_elements)
            error = LimitExceededError("segment has too many elements", Location(segment_tag=run[wide][0]))
            run = run[:wide]
        if run:
            yield run
        if error is not None:
            raise error
