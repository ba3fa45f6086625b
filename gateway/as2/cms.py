"""CMS plumbing shared by the signed/enveloped/compressed layers: DER framing, certificate identifiers,
key material, and RFC 3274 CompressedData (zlib) with a streamed decompressed-size cap.

Large contents are framed by hand (one join) so a 10 MB payload is not copied by asn1crypto several times.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.as2.errors import (
    DecompressedSizeExceededError,
    DecompressionFailedError,
    UnexpectedProcessingError,
)
from gateway.as2.mime import decode_base64, looks_like_base64

ZLIB_OID = "1.2.840.113549.1.9.16.3.8"
DATA_OID = "1.2.840.113549.1.7.1"
COMPRESSED_DATA_OID = "1.2.840.113549.1.9.16.1.9"
DECOMPRESS_CHUNK = 1 << 20
ZLIB_AUTO_HEADER = zlib.MAX_WBITS | 32
TAG_SEQUENCE = 0x30
TAG_OCTET_STRING = 0x04
TAG_CONTEXT_0_CONSTRUCTED = 0xA0
TAG_CONTEXT_0_PRIMITIVE = 0x80
TAG_INTEGER = 0x02
CERT_ID_CACHE = 512
TAG_OBJECT_IDENTIFIER = 0x06
MIN_CONTENT_INFO = 16
_CONTENT_TYPES = {
    bytes(core.ObjectIdentifier(dotted).dump()[2:]): name for dotted, name in cms.ContentType._map.items()
}


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A local private key with its certificate (our own AS2 identity)."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate


@dataclass(frozen=True, slots=True)
class CertId:
    """How CMS names a certificate: issuer+serial (also as DER) and its SubjectKeyIdentifier, if any."""

    issuer: asn1_x509.Name
    serial: int
    key_identifier: bytes | None
    issuer_and_serial_der: bytes
    certificate_der: bytes

    @classmethod
    def of(cls, certificate: x509.Certificate) -> CertId:
        return _cert_id(certificate)

    def matches(self, identifier: Any) -> bool:
        """True if a CMS SignerIdentifier/RecipientIdentifier names this certificate."""
        if identifier.name == "issuer_and_serial_number":
            chosen = identifier.chosen
            if chosen.dump() == self.issuer_and_serial_der:
                return True
            return bool(chosen["serial_number"].native == self.serial and chosen["issuer"] == self.issuer)
        if identifier.name == "subject_key_identifier":
            return self.key_identifier is not None and identifier.chosen.native == self.key_identifier
        return False


@functools.lru_cache(maxsize=CERT_ID_CACHE)
def _cert_id(certificate: x509.Certificate) -> CertId:
    der = certificate.public_bytes(Encoding.DER)
    parsed = asn1_x509.Certificate.load(der)
    issuer_serial = cms.IssuerAndSerialNumber(
        {"issuer": parsed.issuer, "serial_number": parsed.serial_number}
    ).dump()
    return CertId(parsed.issuer, parsed.serial_number, parsed.key_identifier, issuer_serial, der)


def der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def der_header(tag: int, size: int) -> bytes:
    return bytes([tag]) + der_length(size)


def der_wrap(tag: int, *parts: bytes) -> bytes:
    """A TLV over ``parts`` with a single join of the (possibly large) contents."""
    size = sum(len(part) for part in parts)
    return b"".join((der_header(tag, size), *parts))


def content_info(content_type_oid: str, content_der: bytes) -> bytes:
    oid = core.ObjectIdentifier(content_type_oid).dump()
    return der_wrap(TAG_SEQUENCE, oid, der_header(TAG_CONTEXT_0_CONSTRUCTED, len(content_der)), content_der)


def load_content_info(der: bytes, expected: Sequence[str]) -> tuple[str, Any]:
    """Parse a ContentInfo (DER or BER with indefinite lengths) and return (content type, content)."""
    try:
        info = cms.ContentInfo.load(der)
        kind = info["content_type"].native
        content = info["content"]
        if kind not in expected:
            raise UnexpectedProcessingError(f"CMS content type {kind!r}, expected one of {list(expected)}")
        return kind, content
    except (ValueError, TypeError, KeyError) as exc:
        raise UnexpectedProcessingError(f"malformed CMS structure: {exc}") from exc


def cms_content_type(der: bytes) -> str | None:
    """The ContentInfo content type of ``der`` read from its first bytes, or None if it is not CMS."""
    if len(der) < MIN_CONTENT_INFO or der[0] != TAG_SEQUENCE:
        return None
    start = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
    if der[start] != TAG_OBJECT_IDENTIFIER:
        return None
    oid = der[start + 2 : start + 2 + der[start + 1]]
    return _CONTENT_TYPES.get(oid)


def compress(data: bytes, level: int = 6) -> bytes:
    """RFC 3274 CompressedData (zlib) around ``data``, as DER."""
    compressed = zlib.compress(data, level)
    algorithm = cms.CompressionAlgorithm({"algorithm": "zlib"}).dump()
    encap = der_wrap(
        TAG_SEQUENCE,
        core.ObjectIdentifier(DATA_OID).dump(),
        der_wrap(TAG_CONTEXT_0_CONSTRUCTED, der_wrap(TAG_OCTET_STRING, compressed)),
    )
    body = der_wrap(TAG_SEQUENCE, core.Integer(0).dump(), algorithm, encap)
    return content_info(COMPRESSED_DATA_OID, body)


def decompress(der: bytes, max_bytes: int) -> bytes:
    """The content of a CompressedData, decompressed in chunks and never beyond ``max_bytes``."""
    try:
        data = cms.ContentInfo.load(der)["content"]
        if data["compression_algorithm"]["algorithm"].dotted != ZLIB_OID:
            raise DecompressionFailedError("compression algorithm is not zlib")
        compressed = data["encap_content_info"]["content"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise DecompressionFailedError(f"malformed CompressedData: {exc}") from exc
    if not isinstance(compressed, bytes):
        raise DecompressionFailedError("CompressedData has no content")
    try:
        return inflate(compressed, max_bytes)
    except zlib.error as exc:
        if looks_like_base64(compressed):
            try:
                return inflate(decode_base64(compressed), max_bytes)
            except (zlib.error, UnexpectedProcessingError):
                pass
        raise DecompressionFailedError(f"zlib stream is invalid: {exc}") from exc


def inflate(compressed: bytes, max_bytes: int) -> bytes:
    """zlib/gzip inflate with a hard output cap; raises DecompressedSizeExceededError past it."""
    stream = zlib.decompressobj(ZLIB_AUTO_HEADER)
    view = memoryview(compressed)
    out = bytearray()
    pos = 0
    pending: bytes | memoryview = b""
    while not stream.eof:
        if not pending:
            if pos >= len(view):
                raise zlib.error("truncated zlib stream")
            pending, pos = view[pos : pos + DECOMPRESS_CHUNK], pos + DECOMPRESS_CHUNK
        out += stream.decompress(pending, max_bytes + 1 - len(out))
        pending = stream.unconsumed_tail
        if len(out) > max_bytes:
            raise DecompressedSizeExceededError(f"decompressed content exceeds {max_bytes} bytes")
    return bytes(out)


@functools.lru_cache(maxsize=16)
def der_integer(value: int) -> bytes:
    return bytes(core.Integer(value).dump())


@functools.lru_cache(maxsize=64)
def oid_der(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump())
