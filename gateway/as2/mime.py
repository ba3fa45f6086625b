"""A small, bounded MIME reader/writer for AS2: exact-byte entities, header parameters, multipart splitting.

Everything works on offsets into the received bytes so the signed part can be verified over exactly
what arrived. Limits (header size, parts, depth) are enforced while reading, never after.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from gateway.as2.errors import HeaderValueError, LimitExceededError, UnexpectedProcessingError

CRLF = b"\r\n"
MAX_FILENAME_CHARS = 200
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_DECOMPRESSED_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_MIME_PARTS = 256
DEFAULT_MAX_MIME_DEPTH = 6
PARSE_CACHE = 1024

_HEADER_NAME = re.compile(rb"[!-9;-~]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z|~]+")
_PARAM = re.compile(r"""\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)""", re.DOTALL)
_UNSAFE_FILENAME = re.compile(r"[^\w.+\-() ]")
_BOUNDARY_END = b"\r\n \t-"


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits for one inbound message; a breach is a negative MDN, never an exhausted worker."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_mime_parts: int = DEFAULT_MAX_MIME_PARTS
    max_mime_depth: int = DEFAULT_MAX_MIME_DEPTH


class Headers:
    """Ordered header fields with case-insensitive lookup; names and values kept as received."""

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields = list(fields)
        self._index: dict[str, str] = {}
        for key, value in self._fields:
            self._index.setdefault(key.lower(), value)

    @classmethod
    def of(cls, source: Mapping[str, str] | Iterable[tuple[str, str]] | Headers) -> Headers:
        if isinstance(source, Headers):
            return source
        items = source.items() if isinstance(source, Mapping) else source
        return cls((str(name), str(value)) for name, value in items)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._index.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __repr__(self) -> str:
        return f"Headers({self._fields!r})"


@dataclass(frozen=True, slots=True)
class ContentType:
    """A parsed Content-Type (or Content-Disposition): lower-case value and lower-case parameter names."""

    value: str
    params: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        return self.params.get(name.lower())


@dataclass(frozen=True, slots=True)
class Entity:
    """One MIME entity: ``raw`` is the exact received bytes, the body starts at ``body_start``."""

    headers: Headers
    raw: bytes
    body_start: int

    @property
    def body(self) -> bytes:
        return self.raw[self.body_start :] if self.body_start else self.raw

    @property
    def content_type(self) -> ContentType:
        return parse_content_type(self.headers.get("content-type"))

    @property
    def transfer_encoding(self) -> str:
        return (self.headers.get("content-transfer-encoding") or "binary").strip().lower()


@functools.lru_cache(maxsize=PARSE_CACHE)
def parse_params(value: str) -> ContentType:
    """Parse ``main; a=b; c="d"`` leniently (TABs, stray spaces, missing closing quote, RFC 2231 ``*``)."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        name, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:])
        if name.endswith("*"):
            name, raw = name[:-1], _decode_rfc2231(raw)
        params.setdefault(name, raw)
    return ContentType(main.strip().lower(), params)


def parse_content_type(value: str | None) -> ContentType:
    return parse_params(value) if value else ContentType("text/plain", {})


def _decode_rfc2231(value: str) -> str:
    charset, _, rest = value.partition("'")
    _, _, encoded = rest.partition("'")
    if not encoded:
        return value
    try:
        from urllib.parse import unquote_to_bytes

        return unquote_to_bytes(encoded).decode(charset or "utf-8", "replace")
    except LookupError:
        return encoded


def parse_header_block(data: bytes, limits: Limits, start: int = 0) -> tuple[Headers, int] | None:
    """Read header lines from ``start`` until an empty line; return them and the body offset.

    Returns None when no empty line ends the block (the data is not a MIME entity). LF or CRLF line
    ends; continuation lines are unfolded; the block size is capped by ``limits.max_header_bytes``.
    """
    fields: list[tuple[str, str]] = []
    pos, size = start, len(data)
    while pos < size:
        eol = data.find(b"\n", pos, pos + limits.max_header_bytes + 1)
        if eol < 0:
            _check_header_size(size - start, limits)
            return None
        line = data[pos:eol].rstrip(b"\r")
        pos = eol + 1
        _check_header_size(pos - start, limits)
        if not line:
            return Headers(fields), pos
        if line[:1] in (b" ", b"\t") and fields:
            previous, text = fields[-1]
            fields[-1] = (previous, f"{text} {line.strip().decode('latin-1')}")
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _HEADER_NAME.fullmatch(name.rstrip()):
            return None
        fields.append((name.rstrip().decode("ascii"), value.strip().decode("latin-1")))
    return None


def _check_header_size(used: int, limits: Limits) -> None:
    if used > limits.max_header_bytes:
        raise LimitExceededError(
            f"MIME header block exceeds {limits.max_header_bytes} bytes", limit="max_header_bytes"
        )


def parse_entity(data: bytes, limits: Limits) -> Entity:
    """Parse ``data`` as a MIME entity; raises when there is no header block."""
    parsed = parse_header_block(data, limits)
    if parsed is None:
        raise UnexpectedProcessingError("MIME entity has no header block")
    headers, body_start = parsed
    return Entity(headers, data, body_start)


def looks_like_entity(data: bytes, limits: Limits) -> Entity | None:
    """Parse ``data`` as an entity only if it has a terminated header block with a Content-* field."""
    parsed = parse_header_block(data, limits)
    if parsed is None:
        return None
    headers, body_start = parsed
    if not any(name.lower().startswith("content-") for name, _ in headers.items()):
        return None
    return Entity(headers, data, body_start)


def split_multipart(body: bytes, boundary: str, limits: Limits) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of each body part; the CRLF before a delimiter belongs to the delimiter."""
    if not boundary:
        raise UnexpectedProcessingError("multipart entity without a boundary parameter")
    delimiter = b"--" + boundary.encode("latin-1")
    pos = _find_delimiter(body, delimiter, 0)
    if pos < 0:
        raise UnexpectedProcessingError("multipart boundary not found in the body")
    parts: list[tuple[int, int]] = []
    while not body.startswith(b"--", pos + len(delimiter)):
        eol = body.find(b"\n", pos + len(delimiter))
        nxt = _find_delimiter(body, delimiter, eol + 1) if eol >= 0 else -1
        if nxt < 0:
            raise UnexpectedProcessingError("multipart body is not terminated by its closing boundary")
        end = max(eol + 1, nxt - 2 if body[nxt - 2 : nxt] == CRLF else nxt - 1)
        parts.append((eol + 1, end))
        if len(parts) > limits.max_mime_parts:
            raise LimitExceededError(f"more than {limits.max_mime_parts} MIME parts", limit="max_mime_parts")
        pos = nxt
    return parts


def _find_delimiter(body: bytes, delimiter: bytes, start: int) -> int:
    size = len(delimiter)
    while True:
        found = body.find(delimiter, start)
        if found < 0:
            return -1
        at_line_start = found == 0 or body[found - 1] == 0x0A
        follower = body[found + size : found + size + 1]
        if at_line_start and (not follower or follower in _BOUNDARY_END):
            return found
        start = found + 1


def multipart_entities(entity: Entity, limits: Limits) -> list[Entity]:
    """The body parts of a multipart entity as entities (exact bytes each)."""
    body = entity.body
    boundary = entity.content_type.param("boundary") or ""
    parts = []
    for start, end in split_multipart(body, boundary, limits):
        chunk = body[start:end]
        parsed = parse_header_block(chunk, limits)
        headers, body_start = parsed if parsed is not None else (Headers(), 0)
        parts.append(Entity(headers, chunk, body_start))
    return parts


def decode_body(entity: Entity) -> bytes:
    """The body with its Content-Transfer-Encoding removed (absent means binary over HTTP)."""
    encoding = entity.transfer_encoding
    if encoding == "base64":
        return decode_base64(entity.body)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(entity.body)
    return entity.body


def decode_base64(data: bytes) -> bytes:
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        try:
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", data))
        except (binascii.Error, ValueError) as exc:
            raise UnexpectedProcessingError(f"invalid base64 body: {exc}") from exc


def looks_like_base64(data: bytes) -> bool:
    sample = data[:512].strip()
    return bool(sample) and re.fullmatch(rb"[A-Za-z0-9+/=\s]+", sample) is not None


def encode_base64_lines(data: bytes, width: int = 76) -> bytes:
    """Base64 with CRLF line breaks every ``width`` characters."""
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i : i + width] for i in range(0, len(encoded), width)) + CRLF


def to_crlf(data: bytes) -> bytes:
    return data.replace(CRLF, b"\n").replace(b"\n", CRLF)


def signed_content_variants(entity: Entity) -> Iterator[bytes]:
    """The exact bytes of a signed entity first, then canonical forms senders are known to sign."""
    raw = entity.raw
    header = raw[: entity.body_start]
    candidates: tuple[Callable[[], bytes], ...] = (
        lambda: raw,
        lambda: to_crlf(header) + raw[entity.body_start :],
        lambda: to_crlf(raw),
        lambda: raw + CRLF,
        lambda: raw[:-2] if raw.endswith(CRLF) else raw,
        lambda: to_crlf(raw) + CRLF,
    )
    seen: list[bytes] = []
    for make in candidates:
        variant = make()
        if variant not in seen:
            seen.append(variant)
            yield variant


def header_line(name: str, value: str) -> bytes:
    """One unfolded header line; CR/LF in a value is refused (header injection)."""
    if "\r" in value or "\n" in value or not _valid_header_name(name):
        raise HeaderValueError(f"header {name!r} cannot carry {value!r} on one line")
    return f"{name}: {value}".encode() + CRLF


@functools.lru_cache(maxsize=PARSE_CACHE)
def _valid_header_name(name: str) -> bool:
    return _HEADER_NAME.fullmatch(name.encode("ascii", "replace")) is not None


def render_headers(fields: Iterable[tuple[str, str]]) -> bytes:
    return b"".join(header_line(name, value) for name, value in fields)


def quote_param(value: str) -> str:
    """A parameter value as a token, or a quoted string when it contains specials."""
    if _TOKEN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def safe_filename(name: str | None) -> str | None:
    """A filename safe to store: no directories, control characters or leading dots; None if empty."""
    if not name:
        return None
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    cleaned = _UNSAFE_FILENAME.sub("_", base).strip(" ._")
    return cleaned[:MAX_FILENAME_CHARS] or None
