"""Own key material: RSA key pairs, self-signed certificates and certificate signing requests with
AS2-friendly extensions, loading private keys and PKCS#12 bundles, and matching keys to certificates.

Keys travel as PEM bytes (PKCS#8, optionally passphrase-encrypted); sealing them at rest is
``partners.sealing``'s job. Nothing here reads a clock: ``now`` is an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydantic import BaseModel, ConfigDict, Field

from partners.certificates import load_pkcs12_parts
from partners.errors import CertificateError, CertificateReason

RSA_KEY_SIZES: Final = (2048, 3072, 4096)
DEFAULT_RSA_BITS: Final = 3072
RSA_PUBLIC_EXPONENT: Final = 65537
DEFAULT_VALIDITY_DAYS: Final = 730
MAX_VALIDITY_DAYS: Final = 3650
CLOCK_SKEW_ALLOWANCE: Final = dt.timedelta(hours=1)
PEM_MARKER: Final = b"-----BEGIN"


class CertificateUsage(StrEnum):
    """What a certificate is for: signing (and MDN signing), encryption (key transport), TLS."""

    SIGN = "sign"
    ENCRYPT = "encrypt"
    TLS = "tls"


class DistinguishedName(BaseModel):
    """Subject of a generated certificate or request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    common_name: str = Field(min_length=1, max_length=64)
    organization: str | None = Field(None, min_length=1, max_length=64)
    organizational_unit: str | None = Field(None, min_length=1, max_length=64)
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    state: str | None = Field(None, min_length=1, max_length=128)
    locality: str | None = Field(None, min_length=1, max_length=128)
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$", max_length=128)

    def to_x509(self) -> x509.Name:
        pairs = (
            (NameOID.COUNTRY_NAME, self.country),
            (NameOID.STATE_OR_PROVINCE_NAME, self.state),
            (NameOID.LOCALITY_NAME, self.locality),
            (NameOID.ORGANIZATION_NAME, self.organization),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, self.organizational_unit),
            (NameOID.COMMON_NAME, self.common_name),
            (NameOID.EMAIL_ADDRESS, self.email),
        )
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs if value is not None])


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A generated key pair as PEM: PKCS#8 private key (encrypted if a passphrase was given)."""

    private_key_pem: bytes
    public_key_pem: bytes


@dataclass(frozen=True, slots=True)
class KeyBundle:
    """A private key (unencrypted PKCS#8 PEM, to be sealed at once) with its certificate and chain."""

    private_key_pem: bytes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def _private_pem(key: PrivateKeyTypes, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def generate_key_pair(bits: int = DEFAULT_RSA_BITS, passphrase: bytes | None = None) -> KeyPair:
    """A new RSA key pair of 2048, 3072 or 4096 bits."""
    if bits not in RSA_KEY_SIZES:
        sizes = ", ".join(map(str, RSA_KEY_SIZES))
        raise CertificateError(CertificateReason.INVALID_REQUEST, f"RSA key size must be one of {sizes}")
    key = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=bits)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(_private_pem(key, passphrase), public)


def load_private_key(
    data: bytes, passphrase: bytes | None = None, *, validated: bool = False
) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM or DER (PKCS#1 or PKCS#8), decrypting it with ``passphrase``.

    ``validated=True`` skips the RSA consistency check (about 90 ms for 2048 bits) for a key that was
    checked when it was stored and comes back from authenticated storage (sealed with AES-GCM).
    """
    loader = serialization.load_pem_private_key if PEM_MARKER in data else serialization.load_der_private_key
    try:
        key = loader(data, passphrase, unsafe_skip_rsa_key_validation=validated)
    except TypeError as exc:
        raise CertificateError(
            CertificateReason.BAD_PASSWORD, f"private key passphrase problem: {exc}"
        ) from None
    except ValueError:
        reason = CertificateReason.BAD_PASSWORD if passphrase else CertificateReason.UNSUPPORTED_FORMAT
        raise CertificateError(reason, "cannot read the private key (wrong passphrase or format)") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(
            CertificateReason.UNSUPPORTED_KEY, "only RSA private keys are supported for AS2"
        )
    return key


def _public_der(key: rsa.RSAPublicKey | x509.Certificate) -> bytes:
    public = key.public_key() if isinstance(key, x509.Certificate) else key
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def certificate_matches_key(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bool:
    """Whether ``cert`` certifies the public half of ``key``."""
    return _public_der(cert) == _public_der(key.public_key())


def _key_usage(usages: frozenset[CertificateUsage]) -> x509.KeyUsage:
    signs = bool(usages & {CertificateUsage.SIGN, CertificateUsage.TLS})
    encrypts = bool(usages & {CertificateUsage.ENCRYPT, CertificateUsage.TLS})
    return x509.KeyUsage(
        digital_signature=signs,
        content_commitment=CertificateUsage.SIGN in usages,
        key_encipherment=encrypts,
        data_encipherment=CertificateUsage.ENCRYPT in usages,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _extended_key_usage(usages: frozenset[CertificateUsage]) -> x509.ExtendedKeyUsage | None:
    """None for pure AS2 certificates: many AS2 products refuse S/MIME certs that restrict usage."""
    if CertificateUsage.TLS not in usages:
        return None
    oids = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    if usages - {CertificateUsage.TLS}:
        oids.append(ExtendedKeyUsageOID.EMAIL_PROTECTION)
    return x509.ExtendedKeyUsage(oids)


def _check_usages(usages: frozenset[CertificateUsage]) -> None:
    if not usages:
        raise CertificateError(CertificateReason.INVALID_REQUEST, "give at least one certificate usage")


def _extensions(
    key: rsa.RSAPrivateKey, usages: frozenset[CertificateUsage], dns_names: tuple[str, ...]
) -> list[tuple[x509.ExtensionType, bool]]:
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_key_usage(usages), False),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
    ]
    eku = _extended_key_usage(usages)
    if eku is not None:
        extensions.append((eku, False))
    if dns_names:
        extensions.append((x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), False))
    return extensions


def self_signed_certificate(
    private_key_pem: bytes,
    subject: DistinguishedName,
    now: dt.datetime,
    *,
    usages: frozenset[CertificateUsage] = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT}),
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    passphrase: bytes | None = None,
    dns_names: tuple[str, ...] = (),
) -> bytes:
    """A self-signed SHA-256 certificate (PEM) for our station, valid from ``now`` (less an hour of
    clock-skew allowance) for ``validity_days``."""
    _check_usages(usages)
    if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        message = f"validity must be 1 to {MAX_VALIDITY_DAYS} days"
        raise CertificateError(CertificateReason.INVALID_REQUEST, message)
    key = load_private_key(private_key_pem, passphrase)
    name = subject.to_x509()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW_ALLOWANCE)
        .not_valid_after(now + dt.timedelta(days=validity_days))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
    )
    for extension, critical in _extensions(key, usages, dns_names):
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def certificate_signing_request(
    private_key_pem: bytes,
    subject: DistinguishedName,
    *,
    usages: frozenset[CertificateUsage] = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT}),
    passphrase: bytes | None = None,
    dns_names: tuple[str, ...] = (),
) -> bytes:
    """A PKCS#10 request (PEM, SHA-256) for a CA to certify our key with the same extensions."""
    _check_usages(usages)
    key = load_private_key(private_key_pem, passphrase)
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject.to_x509())
    for extension, critical in _extensions(key, usages, dns_names):
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def load_key_bundle(data: bytes, password: bytes | None) -> KeyBundle:
    """Our own key and certificate from a PKCS#12 file; the key must match the certificate."""
    bundle, certs = load_pkcs12_parts(data, password)
    if bundle.key is None or not certs:
        raise CertificateError(
            CertificateReason.EMPTY, "the PKCS#12 file needs a private key and its certificate"
        )
    if not isinstance(bundle.key, rsa.RSAPrivateKey):
        raise CertificateError(
            CertificateReason.UNSUPPORTED_KEY, "only RSA private keys are supported for AS2"
        )
    if not certificate_matches_key(certs[0], bundle.key):
        raise CertificateError(
            CertificateReason.KEY_MISMATCH, "the certificate does not belong to the private key"
        )
    return KeyBundle(_private_pem(bundle.key, None), certs[0], tuple(certs[1:]))
