"""Read the SignerInfos of a CMS SignedData into plain views: a DER fast path for the common shape and
asn1crypto for everything else (BER, PSS parameters, unusual fields). Verification works on the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms, core

from gateway.as2 import der
from gateway.as2.errors import AuthenticationFailedError

SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
MESSAGE_DIGEST_OID = "1.2.840.113549.1.9.4"
PKCS1V15 = "rsassa_pkcs1v15"
PSS = "rsassa_pss"
_RSA_SIGNATURE_OIDS = ("1.2.840.113549.1.1.1", "1.2.840.113549.1.1.5", "1.2.840.113549.1.1.14",
                       "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13")  # fmt: skip
_DIGEST_NAMES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")


def _oid_value(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump()[2:])


_DIGEST_BY_OID = {_oid_value(algos.DigestAlgorithmId.unmap(name)): name for name in _DIGEST_NAMES}
_RSA_BY_OID = {_oid_value(dotted) for dotted in _RSA_SIGNATURE_OIDS}
_SIGNED_DATA = _oid_value(SIGNED_DATA_OID)
_MESSAGE_DIGEST = _oid_value(MESSAGE_DIGEST_OID)


@dataclass(frozen=True, slots=True)
class SignerView:
    """What verification needs from one SignerInfo."""

    issuer_serial: bytes | None
    key_id: bytes | None
    digest_name: str
    attrs_to_sign: bytes | None
    message_digest: bytes | None
    signature: bytes
    algorithm: str
    pss: tuple[str, str, int] | None = None


def signer_views(data: bytes) -> list[SignerView]:
    """The signers of a SignedData ``data``; raises AuthenticationFailedError if it cannot be read."""
    fast = _fast_views(data)
    if fast is not None:
        return fast
    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            raise AuthenticationFailedError("signature part is not a CMS SignedData")
        return [_asn1_view(signer) for signer in info["content"]["signer_infos"]]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise AuthenticationFailedError(f"signature cannot be parsed: {exc}") from exc


def _fast_views(data: bytes) -> list[SignerView] | None:
    try:
        oid, signed = der.content_info(data)
        if oid != _SIGNED_DATA:
            return None
        infos = der.children(data, der.expect(der.children(data, signed)[-1], der.TAG_SET))
        views = [_fast_view(data, node) for node in infos]
        return None if any(v is None for v in views) else [v for v in views if v]
    except (ValueError, IndexError):
        return None


def _fast_view(data: bytes, node: der.Node) -> SignerView | None:
    fields = der.children(data, der.expect(node, der.TAG_SEQUENCE))
    sid, digest_alg = fields[1], fields[2]
    has_attrs = fields[3][0] == der.TAG_CONTEXT_0
    attrs = fields[3] if has_attrs else None
    signature_alg, signature = fields[4:6] if has_attrs else fields[3:5]
    digest_name = _DIGEST_BY_OID.get(der.value(data, der.children(data, digest_alg)[0]))
    if digest_name is None or der.value(data, der.children(data, signature_alg)[0]) not in _RSA_BY_OID:
        return None
    return SignerView(
        issuer_serial=der.encoded(data, sid) if sid[0] == der.TAG_SEQUENCE else None,
        key_id=der.value(data, sid) if sid[0] == der.TAG_CONTEXT_0_PRIMITIVE else None,
        digest_name=digest_name,
        attrs_to_sign=der.encoded(data, (der.TAG_SET, attrs[1], attrs[2])) if attrs else None,
        message_digest=_fast_message_digest(data, attrs) if attrs else None,
        signature=der.value(data, der.expect(signature, der.TAG_OCTET_STRING)),
        algorithm=PKCS1V15,
    )


def _fast_message_digest(data: bytes, attrs: der.Node) -> bytes | None:
    for attribute in der.children(data, attrs):
        oid, values = der.children(data, attribute)[:2]
        if der.value(data, oid) == _MESSAGE_DIGEST:
            return der.value(data, der.expect(der.children(data, values)[0], der.TAG_OCTET_STRING))
    return None


def _asn1_view(info: Any) -> SignerView:
    sid = info["sid"]
    attrs = info["signed_attrs"]
    has_attrs = not isinstance(attrs, core.Void)
    sig_alg = info["signature_algorithm"]
    return SignerView(
        issuer_serial=bytes(sid.chosen.dump()) if sid.name == "issuer_and_serial_number" else None,
        key_id=sid.chosen.native if sid.name == "subject_key_identifier" else None,
        digest_name=str(info["digest_algorithm"]["algorithm"].native),
        attrs_to_sign=bytes([der.TAG_SET]) + attrs.dump()[1:] if has_attrs else None,
        message_digest=_asn1_message_digest(attrs) if has_attrs else None,
        signature=info["signature"].native,
        algorithm=str(sig_alg.signature_algo),
        pss=_pss_params(sig_alg) if sig_alg.signature_algo == PSS else None,
    )


def _asn1_message_digest(attrs: Any) -> bytes | None:
    for attr in attrs:
        if attr["type"].native == "message_digest":
            return bytes(attr["values"][0].native)
    return None


def _pss_params(sig_alg: Any) -> tuple[str, str, int]:
    params = sig_alg["parameters"]
    return (
        str(params["hash_algorithm"]["algorithm"].native),
        str(params["mask_gen_algorithm"]["parameters"]["algorithm"].native),
        int(params["salt_length"].native),
    )
