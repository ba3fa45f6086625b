"""X.509 certificates of partners and own stations: parsing every upload format, describing a
certificate as data, and checking it against a given ``now``.

Accepted uploads: PEM (one or several certificates), DER, PKCS#7/P7B chains (PEM or DER) and PKCS#12
(with its password). Problems are :class:`CertificateProblem` values with a stable reason code;
``ensure_usable`` turns the blocking ones into a :class:`CertificateError`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar

from asn1crypto import cms
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pydantic import AwareDatetime, BaseModel, ConfigDict

from partners.errors import CertificateError, CertificateReason
from partners.signatures import is_signed_by

ExtensionT = TypeVar("ExtensionT", bound=x509.ExtensionType)

MIN_RSA_BITS: Final = 2048
MIN_EC_BITS: Final = 256
WEAK_SIGNATURE_HASHES: Final = frozenset({"md5", "sha1"})
PEM_MARKER: Final = b"-----BEGIN"
PEM_PKCS7: Final = b"-----BEGIN PKCS7-----"
PEM_CERTIFICATE: Final = b"-----BEGIN CERTIFICATE-----"
DER_SEQUENCE: Final = 0x30
PKCS12_VERSION: Final = "v3"
PKCS7_SIGNED_DATA: Final = "signed_data"
SECONDS_PER_DAY: Final = 86400
KEY_USAGE_FLAGS: Final = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


class KeyType(StrEnum):
    RSA = "rsa"
    EC = "ec"
    ED25519 = "ed25519"
    ED448 = "ed448"
    DSA = "dsa"
    OTHER = "other"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class CertificateProblem:
    """One finding about a certificate at a given time."""

    reason: CertificateReason
    severity: Severity
    message: str


class CertificateInfo(BaseModel):
    """What an operator, an auditor and the AS2 layer need to know about a certificate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str
    issuer: str
    common_name: str | None
    serial_number: str
    subject_key_identifier: str | None
    authority_key_identifier: str | None
    not_before: AwareDatetime
    not_after: AwareDatetime
    key_type: KeyType
    key_size: int
    signature_hash: str | None
    fingerprint_sha256: str
    fingerprint_sha1: str
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    is_ca: bool
    self_signed: bool
    pem: str

    def is_valid_at(self, now: dt.datetime) -> bool:
        """Whether ``now`` lies inside the certificate's own validity period."""
        return self.not_before <= now <= self.not_after

    def seconds_to_expiry(self, now: dt.datetime) -> int:
        """Seconds from ``now`` to ``not_after``; negative once expired."""
        return int((self.not_after - now).total_seconds())


def _no_certificates() -> CertificateError:
    return CertificateError(CertificateReason.EMPTY, "the upload contains no certificate")


def _load_pkcs7_der(data: bytes) -> list[x509.Certificate]:
    """Certificates of a PKCS#7 SignedData in file order; BER and unsorted SETs (as openssl and Windows
    write them) are accepted."""
    info = cms.ContentInfo.load(data, strict=True)
    if info["content_type"].native != PKCS7_SIGNED_DATA:
        raise ValueError("PKCS#7 content is not SignedData")
    certs = info["content"]["certificates"]
    return [
        x509.load_der_x509_certificate(choice.chosen.dump())
        for choice in certs or ()
        if choice.name == "certificate"
    ]


def _pem_body(data: bytes, label: bytes) -> bytes:
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    start = data.index(begin) + len(begin)
    return base64.b64decode(b"".join(data[start : data.index(end, start)].split()), validate=True)


def _load_pem(data: bytes) -> list[x509.Certificate]:
    if PEM_PKCS7 in data:
        return _load_pkcs7_der(_pem_body(data, b"PKCS7"))
    if PEM_CERTIFICATE in data:
        return x509.load_pem_x509_certificates(data)
    raise CertificateError(
        CertificateReason.UNSUPPORTED_FORMAT, "PEM upload holds no CERTIFICATE or PKCS7 block"
    )


def _is_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return bool(pfx["version"].native == PKCS12_VERSION and pfx["auth_safe"]["content_type"].native)
    except (ValueError, TypeError, KeyError):
        return False


def load_pkcs12_parts(
    data: bytes, password: bytes | None
) -> tuple[pkcs12.PKCS12KeyAndCertificates, list[x509.Certificate]]:
    """Open a PKCS#12 file; return it with its certificates (own certificate first)."""
    try:
        bundle = pkcs12.load_pkcs12(data, password)
    except ValueError:
        if _is_pkcs12(data):
            message = "wrong or missing PKCS#12 password"
            raise CertificateError(CertificateReason.BAD_PASSWORD, message) from None
        raise CertificateError(CertificateReason.UNSUPPORTED_FORMAT, "not a readable PKCS#12 file") from None
    certs = [c.certificate for c in ([bundle.cert] if bundle.cert else []) + list(bundle.additional_certs)]
    return bundle, certs


def _load_der(data: bytes, password: bytes | None) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        return _load_pkcs7_der(data)
    except (ValueError, TypeError, KeyError):
        pass
    if _is_pkcs12(data):
        return load_pkcs12_parts(data, password)[1]
    raise CertificateError(
        CertificateReason.UNSUPPORTED_FORMAT, "not a PEM, DER, PKCS#7 or PKCS#12 certificate upload"
    )


def load_certificates(data: bytes, password: bytes | None = None) -> tuple[x509.Certificate, ...]:
    """Every certificate in an upload, in file order. ``password`` opens PKCS#12 files."""
    if not data.strip():
        raise _no_certificates()
    try:
        certs = _load_pem(data) if PEM_MARKER in data else _load_der(data, password)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise CertificateError(
            CertificateReason.UNSUPPORTED_FORMAT, f"unreadable certificate: {exc}"
        ) from None
    if not certs:
        raise _no_certificates()
    return tuple(certs)


def _key_type_and_size(key: CertificatePublicKeyTypes) -> tuple[KeyType, int]:
    if isinstance(key, rsa.RSAPublicKey):
        return KeyType.RSA, key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeyType.EC, key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyType.ED25519, 256
    if isinstance(key, ed448.Ed448PublicKey):
        return KeyType.ED448, 456
    if isinstance(key, dsa.DSAPublicKey):
        return KeyType.DSA, key.key_size
    return KeyType.OTHER, 0


def _extension(cert: x509.Certificate, kind: type[ExtensionT]) -> ExtensionT | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    usage = _extension(cert, x509.KeyUsage)
    if usage is None:
        return ()
    flags = [name for name in KEY_USAGE_FLAGS if getattr(usage, name)]
    if usage.key_agreement:
        flags += [n for n in ("encipher_only", "decipher_only") if getattr(usage, n)]
    return tuple(flags)


def _extended_key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    usage = _extension(cert, x509.ExtendedKeyUsage)
    return tuple(oid._name if oid._name != "Unknown OID" else oid.dotted_string for oid in usage or ())


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _signature_hash(cert: x509.Certificate) -> str | None:
    try:
        digest = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return "unsupported"
    return digest.name if digest else None


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and, when both key identifiers are present, they agree."""
    if cert.issuer != cert.subject:
        return False
    ski = _extension(cert, x509.SubjectKeyIdentifier)
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    if ski is None or aki is None or aki.key_identifier is None:
        return True
    return ski.digest == aki.key_identifier


def describe(cert: x509.Certificate) -> CertificateInfo:
    """The certificate as data."""
    key_type, key_size = _key_type_and_size(cert.public_key())
    ski = _extension(cert, x509.SubjectKeyIdentifier)
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    constraints = _extension(cert, x509.BasicConstraints)
    digest = _signature_hash(cert)
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=_common_name(cert.subject),
        serial_number=format(cert.serial_number, "x"),
        subject_key_identifier=ski.digest.hex() if ski else None,
        authority_key_identifier=aki.key_identifier.hex() if aki and aki.key_identifier else None,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        signature_hash=digest,
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        fingerprint_sha1=cert.fingerprint(hashes.SHA1()).hex(),  # noqa: S303 - shown to operators, not trusted
        key_usage=_key_usage(cert),
        extended_key_usage=_extended_key_usage(cert),
        is_ca=bool(constraints and constraints.ca),
        self_signed=is_self_signed(cert),
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


def parse_certificates(data: bytes, password: bytes | None = None) -> tuple[CertificateInfo, ...]:
    """``describe`` every certificate of an upload (see :func:`load_certificates`)."""
    return tuple(describe(cert) for cert in load_certificates(data, password))


def _validity_problems(info: CertificateInfo, now: dt.datetime) -> list[CertificateProblem]:
    if now > info.not_after:
        return [
            CertificateProblem(
                CertificateReason.EXPIRED, Severity.ERROR, f"expired on {info.not_after:%Y-%m-%d}"
            )
        ]
    if now < info.not_before:
        message = f"not valid before {info.not_before:%Y-%m-%d %H:%M} UTC"
        return [CertificateProblem(CertificateReason.NOT_YET_VALID, Severity.WARNING, message)]
    return []


def _key_problems(info: CertificateInfo) -> list[CertificateProblem]:
    if info.key_type in (KeyType.DSA, KeyType.OTHER):
        message = f"{info.key_type.value} keys are not supported; use RSA or EC"
        return [CertificateProblem(CertificateReason.UNSUPPORTED_KEY, Severity.ERROR, message)]
    minimum = {KeyType.RSA: MIN_RSA_BITS, KeyType.EC: MIN_EC_BITS}.get(info.key_type, 0)
    if info.key_size < minimum:
        message = f"{info.key_type.value} key of {info.key_size} bits; at least {minimum} are required"
        return [CertificateProblem(CertificateReason.WEAK_KEY, Severity.ERROR, message)]
    return []


def _signature_problems(cert: x509.Certificate, info: CertificateInfo) -> list[CertificateProblem]:
    problems = []
    if info.signature_hash in WEAK_SIGNATURE_HASHES and not info.self_signed:
        message = f"signed with {info.signature_hash}, which is no longer collision resistant"
        problems.append(CertificateProblem(CertificateReason.WEAK_SIGNATURE, Severity.WARNING, message))
    if info.self_signed and not is_signed_by(cert, cert):
        message = "self-signed certificate whose signature does not verify (damaged or forged)"
        problems.append(CertificateProblem(CertificateReason.BAD_SIGNATURE, Severity.ERROR, message))
    return problems


def certificate_problems(cert: x509.Certificate, now: dt.datetime) -> tuple[CertificateProblem, ...]:
    """Every finding about ``cert`` at ``now``: validity window, key strength, signature."""
    info = describe(cert)
    return tuple(_validity_problems(info, now) + _key_problems(info) + _signature_problems(cert, info))


def ensure_usable(cert: x509.Certificate, now: dt.datetime, *, allow_not_yet_valid: bool = True) -> None:
    """Raise :class:`CertificateError` for the first blocking problem of ``cert`` at ``now``.

    A not-yet-valid certificate passes by default: uploading the next certificate before a rollover is
    normal; it only becomes active when its window opens.
    """
    for problem in certificate_problems(cert, now):
        blocking = problem.severity is Severity.ERROR or (
            problem.reason is CertificateReason.NOT_YET_VALID and not allow_not_yet_valid
        )
        if blocking:
            raise CertificateError(problem.reason, problem.message)
