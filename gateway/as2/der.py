"""A minimal DER reader for the hot paths (definite lengths only).

The enveloped and signed fast paths use it to pick the few fields they need without building asn1crypto
objects; anything it does not understand (BER indefinite lengths, high tag numbers) raises
:class:`DerError` and the caller falls back to asn1crypto, which handles every encoding.
"""

from __future__ import annotations

TAG_INTEGER = 0x02
TAG_OCTET_STRING = 0x04
TAG_OID = 0x06
TAG_SEQUENCE = 0x30
TAG_SET = 0x31
TAG_CONTEXT_0 = 0xA0
TAG_CONTEXT_1 = 0xA1
TAG_CONTEXT_0_PRIMITIVE = 0x80
LONG_FORM = 0x80
HIGH_TAG = 0x1F
MAX_LENGTH_BYTES = 4

Node = tuple[int, int, int]


class DerError(ValueError):
    """The bytes are not DER this reader handles; use the general parser."""


def read(data: bytes, pos: int, end: int) -> Node:
    """The (tag, content start, content end) of the TLV at ``pos``."""
    if pos + 2 > end:
        raise DerError("truncated TLV")
    tag, first = data[pos], data[pos + 1]
    if tag & HIGH_TAG == HIGH_TAG:
        raise DerError("high tag numbers are not handled")
    if first < LONG_FORM:
        start, size = pos + 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > MAX_LENGTH_BYTES:
            raise DerError("indefinite or oversized length")
        start = pos + 2 + count
        size = int.from_bytes(data[pos + 2 : start], "big")
    if start + size > end:
        raise DerError("length runs past the enclosing value")
    return tag, start, start + size


def children(data: bytes, node: Node) -> list[Node]:
    found = []
    pos, end = node[1], node[2]
    while pos < end:
        child = read(data, pos, end)
        found.append(child)
        pos = child[2]
    return found


def expect(node: Node, tag: int) -> Node:
    if node[0] != tag:
        raise DerError(f"expected tag {tag:#x}, found {node[0]:#x}")
    return node


def value(data: bytes, node: Node) -> bytes:
    return data[node[1] : node[2]]


def encoded(data: bytes, node: Node) -> bytes:
    """The DER encoding of ``node`` (header re-made in minimal form, which DER input already uses)."""
    size = node[2] - node[1]
    if size < LONG_FORM:
        header = bytes([node[0], size])
    else:
        length = size.to_bytes((size.bit_length() + 7) // 8, "big")
        header = bytes([node[0], LONG_FORM | len(length)]) + length
    return header + data[node[1] : node[2]]


def content_info(data: bytes) -> tuple[bytes, Node]:
    """(content type OID value bytes, the [0] EXPLICIT content's inner node) of a ContentInfo."""
    top = expect(read(data, 0, len(data)), TAG_SEQUENCE)
    oid, explicit = children(data, top)[:2]
    inner = children(data, expect(explicit, TAG_CONTEXT_0))
    if len(inner) != 1:
        raise DerError("ContentInfo content must be one value")
    return value(data, expect(oid, TAG_OID)), inner[0]
