"""Checking that one certificate signed another, including the legacy SHA-1/MD5 signatures common on
partners' self-signed AS2 certificates (their weakness is reported elsewhere, not treated as forgery)."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes


def _verify_signature(cert: x509.Certificate, key: CertificatePublicKeyTypes) -> None:
    data, signature = cert.tbs_certificate_bytes, cert.signature
    params = cert.signature_algorithm_parameters
    if isinstance(key, rsa.RSAPublicKey) and isinstance(params, padding.PKCS1v15 | padding.PSS):
        digest = cert.signature_hash_algorithm
        if digest is None:
            raise UnsupportedAlgorithm("RSA signature without a hash")
        key.verify(signature, data, params, digest)
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(params, ec.ECDSA):
        key.verify(signature, data, params)
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key.verify(signature, data)
    else:
        raise UnsupportedAlgorithm("signature algorithm does not fit the issuer key")


def is_signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` is named as the issuer of ``cert`` and its key verifies ``cert``'s signature.

    Unlike ``verify_directly_issued_by`` this also checks legacy SHA-1 and MD5 signatures, which are
    common on partners' self-signed AS2 certificates; their weakness is reported separately.
    """
    if cert.issuer != issuer.subject:
        return False
    try:
        _verify_signature(cert, issuer.public_key())
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True
