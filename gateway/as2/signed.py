"""CMS SignedData (RFC 5652) for S/MIME multipart/signed: detached signing and verification.

Verification tries the exact received bytes first and the canonical variants after, checks the signer
against the partner's certificates (never trusting an embedded certificate alone), and reports
integrity (content digest) and authentication (signature, signer) failures separately.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.as2.cms import CertId, KeyPair
from gateway.as2.errors import (
    AuthenticationFailedError,
    IntegrityCheckFailedError,
)

SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
TAG_SET = 0x31
PSS_TRAILER_FIELD = 1
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5, "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}  # fmt: skip
SIGNING_DIGESTS = ("sha1", "sha224", "sha256", "sha384", "sha512")


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
) -> bytes:
    """A detached SignedData (DER) over ``content``."""
    message_digest = hashlib.new(digest_algorithm, content).digest()
    attrs = _signed_attrs(message_digest, signing_time) if signed_attributes else None
    to_sign = _attrs_for_signature(attrs.dump()) if attrs is not None else content
    signature, sig_alg = _sign_bytes(signer.private_key, to_sign, digest_algorithm, pss)
    cert_id = CertId.of(signer.certificate)
    signer_info = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": cert_id.issuer, "serial_number": cert_id.serial}}
        ),
        "digest_algorithm": {"algorithm": digest_algorithm},
        "signature_algorithm": sig_alg,
        "signature": signature,
    }
    if attrs is not None:
        signer_info["signed_attrs"] = attrs
    certs = [signer.certificate, *extra_certificates]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": digest_algorithm}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices.load(c.public_bytes(Encoding.DER)) for c in certs],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def _signed_attrs(message_digest: bytes, signing_time: datetime | None) -> cms.CMSAttributes:
    attrs = [
        {"type": "content_type", "values": ["data"]},
        {"type": "message_digest", "values": [message_digest]},
    ]
    if signing_time is not None:
        attrs.insert(1, {"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]})
    return cms.CMSAttributes(attrs)


def _attrs_for_signature(encoded: bytes) -> bytes:
    """Signed attributes are signed as a SET OF, not with their [0] IMPLICIT tag (RFC 5652 §5.4)."""
    return bytes([TAG_SET]) + encoded[1:]


def _sign_bytes(
    key: rsa.RSAPrivateKey, data: bytes, digest_algorithm: str, pss: bool
) -> tuple[bytes, dict[str, Any]]:
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
        return key.sign(data, pad, hash_algorithm), {"algorithm": "rsassa_pss", "parameters": params}
    signature = key.sign(data, padding.PKCS1v15(), hash_algorithm)
    return signature, {"algorithm": "rsassa_pkcs1v15"}


def embedded_certificates(signature_der: bytes) -> list[x509.Certificate]:
    """Certificates carried inside a SignedData (for onboarding or diagnostics, never for trust)."""
    signed = _load_signed_data(signature_der)
    found = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    return found


def _load_signed_data(der: bytes) -> Any:
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise AuthenticationFailedError("signature part is not a CMS SignedData")
        signed = info["content"]
        signed["signer_infos"].native  # noqa: B018 - parse now so malformed DER fails here
        return signed
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
    signed = _load_signed_data(signature_der)
    infos = list(signed["signer_infos"])
    if not infos:
        raise AuthenticationFailedError("SignedData has no signer")
    candidates = list(variants)
    failure: Exception | None = None
    for info in infos:
        try:
            verified = _verify_signer(info, signed, candidates, trusted, allow_md5=allow_md5)
            _check_validity(verified.signer, verify_at)
            return verified
        except (AuthenticationFailedError, IntegrityCheckFailedError) as exc:
            failure = exc
    assert failure is not None
    raise failure


def _verify_signer(
    info: Any,
    signed: Any,
    variants: list[bytes],
    trusted: Sequence[x509.Certificate],
    *,
    allow_md5: bool,
) -> VerifiedSignature:
    digest_name = info["digest_algorithm"]["algorithm"].native
    if digest_name not in SIGNING_DIGESTS and not (allow_md5 and digest_name == "md5"):
        raise AuthenticationFailedError(f"unsupported or disallowed digest algorithm {digest_name!r}")
    signers = _signer_candidates(info["sid"], signed, trusted)
    signature = info["signature"].native
    attrs = info["signed_attrs"]
    if not isinstance(attrs, core.Void):
        signer = _check_signature(signers, _attrs_for_signature(attrs.dump()), signature, info, digest_name)
        expected = _attribute(attrs, "message_digest")
        for variant in variants:
            if (found := hashlib.new(digest_name, variant).digest()) == expected:
                return _verified(signer, digest_name, variant, found, info)
        raise IntegrityCheckFailedError("signed content does not match its message digest")
    for variant in variants:
        try:
            signer = _check_signature(signers, variant, signature, info, digest_name)
        except AuthenticationFailedError:
            continue
        found = hashlib.new(digest_name, variant).digest()
        return _verified(signer, digest_name, variant, found, info)
    raise IntegrityCheckFailedError("signature does not verify over the signed content")


def _verified(
    signer: x509.Certificate, digest_name: str, variant: bytes, found: bytes, info: Any
) -> VerifiedSignature:
    algorithm = info["signature_algorithm"].signature_algo
    return VerifiedSignature(signer, digest_name, variant, found, algorithm)


def _attribute(attrs: Any, name: str) -> Any:
    for attr in attrs:
        if attr["type"].native == name:
            return attr["values"][0].native
    raise IntegrityCheckFailedError(f"signed attributes lack {name}")


def _signer_candidates(sid: Any, signed: Any, trusted: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Trusted certificates named by ``sid``; else every trusted one (re-issued certs keep their key)."""
    if not trusted:
        raise AuthenticationFailedError("no partner certificate to verify the signature with")
    named = [cert for cert in trusted if CertId.of(cert).matches(sid)]
    return named or list(trusted)


def _check_signature(
    signers: list[x509.Certificate], data: bytes, signature: bytes, info: Any, digest_name: str
) -> x509.Certificate:
    for cert in signers:
        try:
            _verify_with(cert, data, signature, info, digest_name)
            return cert
        except (InvalidSignature, ValueError, TypeError):
            continue
    raise AuthenticationFailedError("signature does not verify with the partner's certificate")


def _verify_with(cert: x509.Certificate, data: bytes, signature: bytes, info: Any, digest_name: str) -> None:
    key = cert.public_key()
    sig_alg = info["signature_algorithm"]
    algo = sig_alg.signature_algo
    if isinstance(key, rsa.RSAPublicKey) and algo == "rsassa_pss":
        params = sig_alg["parameters"]
        pss_hash = hash_for(params["hash_algorithm"]["algorithm"].native)
        mgf_hash = hash_for(params["mask_gen_algorithm"]["parameters"]["algorithm"].native)
        pad = padding.PSS(padding.MGF1(mgf_hash), salt_length=params["salt_length"].native)
        key.verify(signature, data, pad, pss_hash)
    elif isinstance(key, rsa.RSAPublicKey) and algo == "rsassa_pkcs1v15":
        key.verify(signature, data, padding.PKCS1v15(), hash_for(digest_name))
    elif isinstance(key, ec.EllipticCurvePublicKey) and algo == "ecdsa":
        key.verify(signature, data, ec.ECDSA(hash_for(digest_name)))
    else:
        raise InvalidSignature(f"signature algorithm {algo} does not fit the certificate key")


def _check_validity(cert: x509.Certificate, at: datetime | None) -> None:
    if at is None:
        return
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise AuthenticationFailedError(
            f"signer certificate {cert.subject.rfc4514_string()} is not valid at {moment.isoformat()}"
        )
