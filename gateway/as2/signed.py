"""CMS SignedData (RFC 5652) for S/MIME multipart/signed: detached signing and verification.

Verification tries the exact received bytes first and the canonical variants after, checks the signer
against the partner's certificates (never trusting an embedded certificate alone), and reports
integrity (content digest) and authentication (signature, signer) failures separately.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from gateway.as2.cms import (
    DATA_OID,
    TAG_CONTEXT_0_CONSTRUCTED,
    TAG_OCTET_STRING,
    TAG_SEQUENCE,
    CertId,
    KeyPair,
    content_info,
    der_integer,
    der_wrap,
    oid_der,
)
from gateway.as2.errors import (
    AuthenticationFailedError,
    IntegrityCheckFailedError,
)
from gateway.as2.signer_info import PKCS1V15, PSS, SignerView, signer_views

SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
TAG_SET = 0x31
TAG_UTC_TIME = 0x17
TAG_GENERALIZED_TIME = 0x18
UTC_TIME_FIRST_YEAR = 1950
UTC_TIME_LAST_YEAR = 2049
PSS_TRAILER_FIELD = 1
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5, "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}  # fmt: skip
SIGNING_DIGESTS = ("sha1", "sha224", "sha256", "sha384", "sha512")
CONTENT_TYPE_OID = "1.2.840.113549.1.9.3"
MESSAGE_DIGEST_OID = "1.2.840.113549.1.9.4"
SIGNING_TIME_OID = "1.2.840.113549.1.9.5"
_PKCS1V15_DER = bytes(algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump())


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """What a successful verification established."""

    signer: x509.Certificate
    digest_algorithm: str
    content: bytes
    content_digest: bytes
    signature_algorithm: str


def hash_for(name: str) -> hashes.HashAlgorithm:
    try:
        return _HASHES[name]()
    except KeyError:
        raise AuthenticationFailedError(f"unsupported digest algorithm {name!r}") from None


def sign(
    content: bytes,
    signer: KeyPair,
    *,
    digest_algorithm: str = "sha256",
    pss: bool = False,
    signing_time: datetime | None = None,
    signed_attributes: bool = True,
    extra_certificates: Sequence[x509.Certificate] = (),
    content_digest: bytes | None = None,
) -> bytes:
    """A detached SignedData (DER) over ``content``, framed by hand (asn1crypto only for constants).

    ``content_digest`` is the ``digest_algorithm`` hash of ``content`` when the caller already has it.
    """
    message_digest = content_digest or hashlib.new(digest_algorithm, content).digest()
    attrs = _signed_attrs(message_digest, signing_time) if signed_attributes else None
    to_sign = bytes([TAG_SET]) + attrs[1:] if attrs is not None else content
    signature, sig_alg = _sign_bytes(signer.private_key, to_sign, digest_algorithm, pss)
    digest_id = _digest_algorithm_der(digest_algorithm)
    signer_info = der_wrap(
        TAG_SEQUENCE,
        der_integer(1),
        CertId.of(signer.certificate).issuer_and_serial_der,
        digest_id,
        attrs or b"",
        sig_alg,
        der_wrap(TAG_OCTET_STRING, signature),
    )
    certificates = [CertId.of(cert).certificate_der for cert in (signer.certificate, *extra_certificates)]
    signed_data = der_wrap(
        TAG_SEQUENCE,
        der_integer(1),
        der_wrap(TAG_SET, digest_id),
        der_wrap(TAG_SEQUENCE, oid_der(DATA_OID)),
        der_wrap(TAG_CONTEXT_0_CONSTRUCTED, *certificates),
        der_wrap(TAG_SET, signer_info),
    )
    return content_info(SIGNED_DATA_OID, signed_data)


def _signed_attrs(message_digest: bytes, signing_time: datetime | None) -> bytes:
    """The [0] IMPLICIT signed attributes, DER-sorted as a SET OF requires."""
    attrs = [
        _attribute_der(CONTENT_TYPE_OID, oid_der(DATA_OID)),
        _attribute_der(MESSAGE_DIGEST_OID, der_wrap(TAG_OCTET_STRING, message_digest)),
    ]
    if signing_time is not None:
        attrs.append(_attribute_der(SIGNING_TIME_OID, _utc_time(signing_time)))
    return der_wrap(TAG_CONTEXT_0_CONSTRUCTED, *sorted(attrs))


def _utc_time(moment: datetime) -> bytes:
    """RFC 5652 signingTime: UTCTime for 1950-2049, GeneralizedTime otherwise."""
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    if UTC_TIME_FIRST_YEAR <= moment.year <= UTC_TIME_LAST_YEAR:
        return der_wrap(TAG_UTC_TIME, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return der_wrap(TAG_GENERALIZED_TIME, moment.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def _attribute_der(oid: str, value: bytes) -> bytes:
    return der_wrap(TAG_SEQUENCE, oid_der(oid), der_wrap(TAG_SET, value))


@functools.lru_cache(maxsize=16)
def _digest_algorithm_der(name: str) -> bytes:
    return bytes(algos.DigestAlgorithm({"algorithm": name}).dump())


def _attrs_for_signature(encoded: bytes) -> bytes:
    """Signed attributes are signed as a SET OF, not with their [0] IMPLICIT tag (RFC 5652 §5.4)."""
    return bytes([TAG_SET]) + encoded[1:]


def _sign_bytes(key: rsa.RSAPrivateKey, data: bytes, digest_algorithm: str, pss: bool) -> tuple[bytes, bytes]:
    hash_algorithm = hash_for(digest_algorithm)
    if pss:
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": digest_algorithm},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": digest_algorithm}},
                "salt_length": hash_algorithm.digest_size,
                "trailer_field": PSS_TRAILER_FIELD,
            }
        )
        pad: padding.AsymmetricPadding = padding.PSS(
            padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size
        )
        algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params}).dump()
        return key.sign(data, pad, hash_algorithm), bytes(algorithm)
    signature = key.sign(data, padding.PKCS1v15(), hash_algorithm)
    return signature, _PKCS1V15_DER


def embedded_certificates(signature_der: bytes) -> list[x509.Certificate]:
    """Certificates carried inside a SignedData (for onboarding or diagnostics, never for trust)."""
    signed = _load_signed_data(signature_der)
    found = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    return found


def _load_signed_data(data: bytes) -> Any:
    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            raise AuthenticationFailedError("signature part is not a CMS SignedData")
        return info["content"]
    except (ValueError, TypeError, KeyError) as exc:
        raise AuthenticationFailedError(f"signature cannot be parsed: {exc}") from exc


def verify_detached(
    signature_der: bytes,
    variants: Iterable[bytes],
    trusted: Sequence[x509.Certificate],
    *,
    verify_at: datetime | None = None,
    allow_md5: bool = False,
) -> VerifiedSignature:
    """Verify a detached signature over the first of ``variants`` that matches it."""
    views = signer_views(signature_der)
    if not views:
        raise AuthenticationFailedError("SignedData has no signer")
    candidates = _Replayable(variants)
    failure: Exception | None = None
    for view in views:
        try:
            verified = _verify_signer(view, candidates, trusted, allow_md5=allow_md5)
            _check_validity(verified.signer, verify_at)
            return verified
        except (AuthenticationFailedError, IntegrityCheckFailedError) as exc:
            failure = exc
    assert failure is not None
    raise failure


class _Replayable:
    """Iterate lazily (a canonical variant of a 10 MB part is only built if needed) but more than once."""

    def __init__(self, source: Iterable[bytes]) -> None:
        self._source = iter(source)
        self._made: list[bytes] = []

    def __iter__(self) -> Iterator[bytes]:
        yield from self._made
        for item in self._source:
            self._made.append(item)
            yield item


def _verify_signer(
    view: SignerView, variants: Iterable[bytes], trusted: Sequence[x509.Certificate], *, allow_md5: bool
) -> VerifiedSignature:
    digest_name = view.digest_name
    if digest_name not in SIGNING_DIGESTS and not (allow_md5 and digest_name == "md5"):
        raise AuthenticationFailedError(f"unsupported or disallowed digest algorithm {digest_name!r}")
    signers = _signer_candidates(view, trusted)
    if view.attrs_to_sign is not None:
        signer = _check_signature(signers, view.attrs_to_sign, view)
        if view.message_digest is None:
            raise IntegrityCheckFailedError("signed attributes lack the message digest")
        for variant in variants:
            if (found := hashlib.new(digest_name, variant).digest()) == view.message_digest:
                return VerifiedSignature(signer, digest_name, variant, found, view.algorithm)
        raise IntegrityCheckFailedError("signed content does not match its message digest")
    for variant in variants:
        try:
            signer = _check_signature(signers, variant, view)
        except AuthenticationFailedError:
            continue
        found = hashlib.new(digest_name, variant).digest()
        return VerifiedSignature(signer, digest_name, variant, found, view.algorithm)
    raise IntegrityCheckFailedError("signature does not verify over the signed content")


def _signer_candidates(view: SignerView, trusted: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Trusted certificates the signer names; else every trusted one (re-issued certs keep their key)."""
    if not trusted:
        raise AuthenticationFailedError("no partner certificate to verify the signature with")
    named = []
    for cert in trusted:
        cert_id = CertId.of(cert)
        by_serial = view.issuer_serial is not None and view.issuer_serial == cert_id.issuer_and_serial_der
        if by_serial or (view.key_id is not None and view.key_id == cert_id.key_identifier):
            named.append(cert)
    return named or list(trusted)


def _check_signature(signers: list[x509.Certificate], data: bytes, view: SignerView) -> x509.Certificate:
    for cert in signers:
        try:
            _verify_with(cert, data, view)
            return cert
        except (InvalidSignature, ValueError, TypeError):
            continue
    raise AuthenticationFailedError("signature does not verify with the partner's certificate")


def _verify_with(cert: x509.Certificate, data: bytes, view: SignerView) -> None:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and view.algorithm == PSS and view.pss is not None:
        hash_name, mgf_name, salt = view.pss
        pad = padding.PSS(padding.MGF1(hash_for(mgf_name)), salt_length=salt)
        key.verify(view.signature, data, pad, hash_for(hash_name))
    elif isinstance(key, rsa.RSAPublicKey) and view.algorithm == PKCS1V15:
        key.verify(view.signature, data, padding.PKCS1v15(), hash_for(view.digest_name))
    elif isinstance(key, ec.EllipticCurvePublicKey) and view.algorithm == "ecdsa":
        key.verify(view.signature, data, ec.ECDSA(hash_for(view.digest_name)))
    else:
        raise InvalidSignature(f"signature algorithm {view.algorithm} does not fit the certificate key")


def _check_validity(cert: x509.Certificate, at: datetime | None) -> None:
    if at is None:
        return
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise AuthenticationFailedError(
            f"signer certificate {cert.subject.rfc4514_string()} is not valid at {moment.isoformat()}"
        )
