"""The codec against real captures from other AS2 products (Mendelson, IBM Sterling, ph-OpenAS2, ArcESB,
node-libas2, phpas2) in the shared ``as2-vectors`` folder, driven by its MANIFEST.tsv.

The files are read as bytes and never copied. Where the manifest says the source's own test
canonicalises a stored file (LF->CRLF), that step is done here explicitly (``crlf_whole_file``).
Skips only when the folder is missing outside CI; under CI=true the folder must exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from gateway.as2 import InboundPolicy, KeyPair, parse_mdn, unwrap
from gateway.as2.errors import AS2Error, AuthenticationFailedError, MdnError
from gateway.as2.mime import to_crlf
from gateway.as2.signed import embedded_certificates
from tests.conftest import SHARED, require_available

VECTORS = SHARED / "as2-vectors"
MANIFEST = VECTORS / "MANIFEST.tsv"
TODAY = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
_MIC_FORMS = (
    re.compile(r"MIC (?P<mic>[A-Za-z0-9+/]{20,}={0,2}) (?P<alg>sha\d*)"),
    re.compile(r"\((?P<alg>sha\d*) MIC (?P<mic>[A-Za-z0-9+/]{20,}={0,2})\)"),
    re.compile(r'MIC "(?P<mic>[A-Za-z0-9+/]{20,}={0,2}), (?P<alg>sha\d*)"'),
)
_PAYLOAD_SIZE = re.compile(r"(?:Payload [\w/-]+|[Dd]ecompresses to [\w/-]+), (\d+) bytes")
_PAYLOAD_FILE = re.compile(r"(?:content|payload)\)? == (?:canonicalize\()?([\w.]+\.(?:txt|edi|xml))")
_SHOULD_FAIL = re.compile(r"should fail|must FAIL|should fail/reject", re.IGNORECASE)


@dataclass(frozen=True)
class Handling:
    """How the source test feeds a file, as the manifest describes it."""

    crlf_whole_file: bool = False
    trust_embedded: bool = False


# Only what the manifest states in prose: the source tests CRLF-normalise node-libas2 and phpas2
# signed-msg files; the signer of issue12-1 and signed-msg is only the embedded certificate.
HANDLING = {
    "node-libas2/mdn.signed.txt": Handling(crlf_whole_file=True),
    "node-libas2/content.signed.txt": Handling(crlf_whole_file=True),
    "phpas2/signed-msg.txt": Handling(crlf_whole_file=True, trust_embedded=True),
    "phase2/issue12-1.txt": Handling(trust_embedded=True),
}


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.exists():
        return []
    with MANIFEST.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["kind"] in ("message", "mdn")]


ROWS = _rows()


@pytest.fixture(autouse=True)
def _vectors_present() -> None:
    require_available(ROWS, f"the shared AS2 interop vectors are missing at {VECTORS}")


def _split_http(data: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Header lines (LF or CRLF, folded or not, optional pseudo request line) up to the blank line."""
    headers: list[tuple[str, str]] = []
    pos = 0
    if data.startswith(b"HTTP "):
        pos = data.index(b"\n") + 1
    while True:
        eol = data.index(b"\n", pos)
        line = data[pos:eol].rstrip(b"\r").decode("latin-1")
        pos = eol + 1
        if not line:
            return headers, data[pos:]
        if line[0] in " \t" and headers:
            headers[-1] = (headers[-1][0], f"{headers[-1][1]} {line.strip()}")
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))


def _load(row: dict[str, str]) -> tuple[list[tuple[str, str]], bytes]:
    path = VECTORS / row["file"]
    data = path.read_bytes()
    if HANDLING.get(row["file"], Handling()).crlf_whole_file:
        data = to_crlf(data)
    header_file = path.with_suffix(".header")
    if row["http_headers_file"].startswith("phase2/") and header_file.exists():
        headers, _ = _split_http(header_file.read_bytes() + b"\n\n")
        first_line = data.split(b"\n", 1)[0]
        body = _split_http(data)[1] if re.match(rb"^[\w-]+: ", first_line) else data
        return headers, body
    return _split_http(data)


def _cert(relative: str) -> list[x509.Certificate]:
    if not relative or relative.startswith("embedded"):
        return []
    pem = (VECTORS / relative.split(" ", maxsplit=1)[0]).read_bytes()
    return x509.load_pem_x509_certificates(pem[pem.index(b"-----BEGIN") :])


def _keys(row: dict[str, str]) -> list[KeyPair]:
    relative = row["receiver_key"].split(" ")[0]
    if not relative.startswith(("pyas2-lib/", "phpas2/", "phase2/", "node-libas2/")):
        return []
    if relative.endswith(".p12"):
        relative = relative.removesuffix(".p12") + ".pem"
    pem = (VECTORS / relative).read_bytes()
    password = row["key_password"].encode() or None
    key = load_pem_private_key(pem, password if b"ENCRYPTED" in pem else None)
    certs = (
        x509.load_pem_x509_certificates(pem)
        if b"CERTIFICATE" in pem
        else _cert(relative.replace(".pem", ".crt"))
    )
    return [KeyPair(key, certs[0])]  # type: ignore[arg-type]


def _expected_mic(row: dict[str, str]) -> tuple[str, str] | None:
    text = row["expected_outcome_per_source_tests"] + " " + row["verified_with_openssl"]
    for form in _MIC_FORMS:
        if (found := form.search(text)) is not None:
            return found.group("mic"), found.group("alg")
    return None


def _trusted(row: dict[str, str], headers: list[tuple[str, str]], body: bytes) -> list[x509.Certificate]:
    if HANDLING.get(row["file"], Handling()).trust_embedded:
        return _embedded_signers(headers, body)
    return _cert(row["sender_cert"])


def _embedded_signers(headers: list[tuple[str, str]], body: bytes) -> list[x509.Certificate]:
    from gateway.as2.mime import Entity, Headers, Limits, decode_body, multipart_entities

    entity = Entity(Headers([(n, v) for n, v in headers if n.lower().startswith("content-")]), body, 0)
    return embedded_certificates(decode_body(multipart_entities(entity, Limits())[1]))


MESSAGES = [r for r in ROWS if r["kind"] == "message"]
MDNS = [r for r in ROWS if r["kind"] == "mdn"]


@pytest.mark.parametrize("row", MESSAGES, ids=[r["file"] for r in MESSAGES])
def test_message_vector(row: dict[str, str]) -> None:
    headers, body = _load(row)
    trusted = _trusted(row, headers, body)
    result = unwrap(headers, body, keys=_keys(row), partner_certs=trusted)
    structure = row["structure"]
    assert result.signed is ("signed" in structure)
    assert result.encrypted is ("encrypted" in structure)
    assert (result.compression is not None) is ("compressed" in structure)
    if (mic := _expected_mic(row)) is not None:
        assert (result.mic, result.mic_algorithm) == mic
    outcome = row["expected_outcome_per_source_tests"] + " " + row["verified_with_openssl"]
    if (size := _PAYLOAD_SIZE.search(outcome)) is not None:
        assert len(result.payload.data) == int(size.group(1))
    if (found := _PAYLOAD_FILE.search(outcome)) is not None:
        expected = (VECTORS / row["file"]).parent / found.group(1)
        assert to_crlf(result.payload.data).strip() == to_crlf(expected.read_bytes()).strip()


def test_expired_sterling_signer_is_rejected_at_a_current_date() -> None:
    row = next((r for r in MESSAGES if r["file"] == "pyas2-lib/sb2bi_signed_cmp.msg"), None)
    if row is None:
        pytest.skip("Sterling vector not in the manifest")
    headers, body = _load(row)
    with pytest.raises(AuthenticationFailedError, match="not valid"):
        unwrap(headers, body, partner_certs=_cert(row["sender_cert"]), policy=InboundPolicy(verify_at=TODAY))


def test_signed_msg_is_rejected_when_pinned_to_server_crt() -> None:
    row = next((r for r in MESSAGES if r["file"] == "phpas2/signed-msg.txt"), None)
    if row is None:
        pytest.skip("phpas2 signed-msg vector not in the manifest")
    headers, body = _load(row)
    with pytest.raises(AS2Error) as caught:
        unwrap(headers, body, partner_certs=_cert("phpas2/server.crt"))
    assert caught.value.modifier in ("authentication-failed", "integrity-check-failed")


@pytest.mark.parametrize("row", MDNS, ids=[r["file"] for r in MDNS])
def test_mdn_vector(row: dict[str, str]) -> None:
    headers, body = _load(row)
    trusted = _trusted(row, headers, body) if "signed" in row["structure"] else []
    expectation = row["expected_outcome_per_source_tests"]
    if _SHOULD_FAIL.search(expectation):
        with pytest.raises(MdnError):
            parse_mdn(headers, body, partner_certs=trusted, verify_at=TODAY)
        return
    parsed = parse_mdn(
        headers, body, partner_certs=trusted, require_signature="MDN signed" in row["structure"]
    )
    disposition = re.search(r'Disposition "([^"]+)"', row["verified_with_openssl"])
    assert disposition is not None
    assert parsed.disposition == disposition.group(1)
    mic = re.search(r'Received-Content-MIC "([^"]+)"', row["verified_with_openssl"])
    if mic is not None:
        value, _, algorithm = mic.group(1).partition(",")
        assert (parsed.received_mic, parsed.mic_algorithm) == (value, algorithm.strip().replace("-", ""))
    original = re.search(
        r"Original-Message-ID (<[^>]+>)|message_id (\S+)", row["verified_with_openssl"] + expectation
    )
    if original is not None:
        assert parsed.original_message_id == (original.group(1) or original.group(2)).strip("<>.")


def test_node_libas2_mdn_is_rejected_with_the_wrong_certificate() -> None:
    row = next((r for r in MDNS if r["file"] == "node-libas2/mdn.signed.txt"), None)
    if row is None:
        pytest.skip("node-libas2 MDN not in the manifest")
    headers, body = _load(row)
    with pytest.raises(MdnError):
        parse_mdn(headers, body, partner_certs=_cert("node-libas2/libas2community.cer"))


def test_every_vector_file_is_readable() -> None:
    for row in ROWS:
        assert (VECTORS / row["file"]).is_file(), row["file"]
