"""Property tests: whatever bytes arrive, only the codec's own typed errors escape unwrap/parse_mdn."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.as2 import Limits, parse_mdn, unwrap
from gateway.as2.errors import AS2Error
from gateway.as2.mime import Limits as MimeLimits
from gateway.as2.mime import parse_params, split_multipart

from .keys import Identity

LIMITS = Limits(max_body_bytes=1 << 16, max_decompressed_bytes=1 << 16, max_mime_depth=4, max_mime_parts=16)
CONTENT_TYPES = st.sampled_from(
    [
        "multipart/signed; boundary=b; micalg=sha1",
        'multipart/related; boundary="b"',
        "multipart/report; boundary=b",
        "application/pkcs7-mime; smime-type=enveloped-data",
        "application/pkcs7-mime; smime-type=compressed-data",
        "application/pkcs7-mime",
        "application/edi-x12",
        "multipart/mixed",
        "",
    ]
)
CHUNKS = st.sampled_from(
    [b"--b\r\n", b"--b--\r\n", b"\r\n", b"\n", b"Content-Type: multipart/mixed; boundary=b\r\n",
     b"Content-Type: application/pkcs7-signature\r\n", b"Content-Transfer-Encoding: base64\r\n",
     b"0\x80\x30\x03\x02\x01\x00", b"MIIB", b"x: y\r\n", b" folded\r\n", b"\x00\xff"]
)  # fmt: skip
ENCODINGS = st.sampled_from(["", "base64", "binary", "quoted-printable"])
BODIES = st.one_of(st.binary(max_size=2048), st.lists(CHUNKS, max_size=60).map(b"".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content_type=CONTENT_TYPES, body=BODIES, cte=st.sampled_from(["", "base64", "binary", "quoted-printable"])
)
def test_unwrap_raises_only_codec_errors(content_type: str, body: bytes, cte: str) -> None:
    headers = {"Content-Type": content_type, "Content-Transfer-Encoding": cte}
    try:
        result = unwrap(headers, body, limits=LIMITS)
    except AS2Error:
        return
    assert result.payloads


@settings(max_examples=200, deadline=None)
@given(content_type=CONTENT_TYPES, body=BODIES)
def test_parse_mdn_raises_only_codec_errors(content_type: str, body: bytes) -> None:
    try:
        parse_mdn({"Content-Type": content_type}, body, limits=LIMITS)
    except AS2Error:
        return


@given(st.text(max_size=200))
def test_parameter_parser_never_fails(value: str) -> None:
    parsed = parse_params(value)
    assert parsed.value == parsed.value.lower()


@given(parts=st.lists(st.binary(max_size=50).filter(lambda b: b"--x" not in b), min_size=1, max_size=8))
def test_multipart_split_round_trips(parts: list[bytes]) -> None:
    body = b"".join(b"--x\r\n" + p + b"\r\n" for p in parts) + b"--x--\r\n"
    offsets = split_multipart(body, "x", MimeLimits())
    assert [body[s:e] for s, e in offsets] == parts


ENVELOPED_OID = bytes.fromhex("06092a864886f70d010703")
SIGNED_OID = bytes.fromhex("06092a864886f70d010702")


@settings(max_examples=200, deadline=None)
@given(oid=st.sampled_from([ENVELOPED_OID, SIGNED_OID]), tail=st.binary(max_size=300))
def test_cms_shaped_garbage_raises_only_codec_errors(us: Identity, oid: bytes, tail: bytes) -> None:
    """Bytes that pass the first DER checks (ContentInfo + OID) still only give typed errors."""
    inner = b"\xa0" + bytes([len(tail) & 0x7F]) + tail
    der = b"\x30" + bytes([(len(oid) + len(inner)) & 0x7F]) + oid + inner
    enveloped = {"Content-Type": "application/pkcs7-mime; smime-type=enveloped-data"}
    with contextlib.suppress(AS2Error):
        unwrap(enveloped, der, keys=[us.pair], limits=LIMITS)
    signed = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
        b"--b\r\nContent-Type: application/pkcs7-signature\r\n\r\n" + der + b"\r\n--b--\r\n"
    )
    with contextlib.suppress(AS2Error):
        unwrap(
            {"Content-Type": "multipart/signed; boundary=b"}, signed, partner_certs=[us.cert], limits=LIMITS
        )
