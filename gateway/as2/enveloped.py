"""CMS EnvelopedData (RFC 5652) and AuthEnvelopedData with AES-GCM (RFC 5083/5084): encrypt and decrypt.

Key transport: RSA PKCS#1 v1.5 and RSAES-OAEP (SHA-1/SHA-256 parameters). Content ciphers: 3DES and
AES-128/192/256-CBC, AES-128/192/256-GCM. Recipients are matched by issuer+serial or SKI; when none
names one of our certificates every key is tried.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes

from gateway.as2 import der
from gateway.as2.cms import (
    DATA_OID,
    TAG_OCTET_STRING,
    CertId,
    KeyPair,
    content_info,
    der_header,
    der_integer,
    der_wrap,
    oid_der,
)
from gateway.as2.errors import DecryptionFailedError, UnsupportedAlgorithmError

ContentCipher = Literal[
    "tripledes_3key", "aes128_cbc", "aes192_cbc", "aes256_cbc", "aes128_gcm", "aes192_gcm", "aes256_gcm"
]
KeyTransport = Literal["rsaes_pkcs1v15", "rsaes_oaep_sha1", "rsaes_oaep_sha256"]

ENVELOPED_DATA_OID = "1.2.840.113549.1.7.3"
AUTH_ENVELOPED_DATA_OID = "1.2.840.113549.1.9.16.1.23"
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16
GCM_DEFAULT_ICV_BYTES = 12
TAG_CONTEXT_0_PRIMITIVE = 0x80
TAG_SEQUENCE = 0x30
TAG_SET = 0x31
EMPTY_SEQUENCE = b"\x30\x00"
KEY_BYTES = {"tripledes_3key": 24, "aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32,
             "aes128_gcm": 16, "aes192_gcm": 24, "aes256_gcm": 32}  # fmt: skip
_CBC_BY_OID = {
    bytes(core.ObjectIdentifier(algos.EncryptionAlgorithmId.unmap(name)).dump()[2:]): name
    for name in ("tripledes_3key", "aes128_cbc", "aes192_cbc", "aes256_cbc")
}
_RSA_ENCRYPTION = bytes(core.ObjectIdentifier("1.2.840.113549.1.1.1").dump()[2:])
_OAEP_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}  # fmt: skip


class GCMParameters(core.Sequence):  # type: ignore[misc]
    """RFC 5084 GCMParameters: nonce and ICV length."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": GCM_DEFAULT_ICV_BYTES}),
    ]


def is_gcm(cipher: str) -> bool:
    return cipher.endswith("_gcm")


def encrypt(
    content: bytes,
    recipients: Sequence[x509.Certificate],
    *,
    cipher: ContentCipher = "aes256_cbc",
    key_transport: KeyTransport = "rsaes_pkcs1v15",
    use_key_identifier: bool = False,
) -> bytes:
    """EnvelopedData (or AuthEnvelopedData for GCM) of ``content`` for every recipient, as DER."""
    if not recipients:
        raise ValueError("encryption needs at least one recipient certificate")
    key = os.urandom(KEY_BYTES[cipher])
    infos = b"".join(_recipient_info(cert, key, key_transport, use_key_identifier) for cert in recipients)
    version = core.Integer(2 if use_key_identifier and not is_gcm(cipher) else 0).dump()
    if is_gcm(cipher):
        nonce = os.urandom(GCM_NONCE_BYTES)
        encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
        ciphertext = encryptor.update(content) + encryptor.finalize()
        params = GCMParameters({"aes_nonce": nonce, "aes_icvlen": GCM_TAG_BYTES})
        alg = der_wrap(TAG_SEQUENCE, core.ObjectIdentifier(_oid(cipher)).dump(), params.dump())
        eci = _encrypted_content_info(alg, ciphertext)
        mac = core.OctetString(encryptor.tag).dump()
        body = der_wrap(TAG_SEQUENCE, version, der_wrap(TAG_SET, infos), eci, mac)
        return content_info(AUTH_ENVELOPED_DATA_OID, body)
    iv = os.urandom(8 if cipher == "tripledes_3key" else 16)
    ciphertext = _cbc(cipher, key, iv, encrypt=True).update(_pad(content, len(iv)))
    alg = algos.EncryptionAlgorithm({"algorithm": cipher, "parameters": iv}).dump()
    body = der_wrap(TAG_SEQUENCE, version, der_wrap(TAG_SET, infos), _encrypted_content_info(alg, ciphertext))
    return content_info(ENVELOPED_DATA_OID, body)


def _oid(cipher: str) -> str:
    return str(algos.EncryptionAlgorithmId.unmap(cipher))


def _encrypted_content_info(algorithm_der: bytes, ciphertext: bytes) -> bytes:
    data_oid = oid_der(DATA_OID)
    encrypted = der_header(TAG_CONTEXT_0_PRIMITIVE, len(ciphertext))
    return der_wrap(TAG_SEQUENCE, data_oid, algorithm_der, encrypted, ciphertext)


def _recipient_info(cert: x509.Certificate, key: bytes, transport: KeyTransport, use_ski: bool) -> bytes:
    """A KeyTransRecipientInfo, framed by hand; the RecipientInfo CHOICE for ktri is untagged."""
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("recipient certificate must carry an RSA key")
    cert_id = CertId.of(cert)
    if use_ski and cert_id.key_identifier:
        version, rid = 2, der_wrap(TAG_CONTEXT_0_PRIMITIVE, cert_id.key_identifier)
    else:
        version, rid = 0, cert_id.issuer_and_serial_der
    if transport == "rsaes_pkcs1v15":
        encrypted = public.encrypt(key, padding.PKCS1v15())
    else:
        name = transport.rsplit("_", 1)[1]
        encrypted = public.encrypt(key, _oaep(name, name))
    return der_wrap(
        TAG_SEQUENCE,
        der_integer(version),
        rid,
        _key_transport_der(transport),
        der_wrap(TAG_OCTET_STRING, encrypted),
    )


@functools.lru_cache(maxsize=8)
def _key_transport_der(transport: KeyTransport) -> bytes:
    if transport == "rsaes_pkcs1v15":
        return bytes(cms.KeyEncryptionAlgorithm({"algorithm": "rsaes_pkcs1v15"}).dump())
    name = transport.rsplit("_", 1)[1]
    return bytes(
        cms.KeyEncryptionAlgorithm({"algorithm": "rsaes_oaep", "parameters": _oaep_params(name)}).dump()
    )


def _oaep_params(name: str) -> algos.RSAESOAEPParams:
    if name == "sha1":
        return algos.RSAESOAEPParams.load(EMPTY_SEQUENCE)
    return algos.RSAESOAEPParams(
        {
            "hash_algorithm": {"algorithm": name},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": name}},
        }
    )


def _oaep(hash_name: str, mgf_name: str) -> padding.OAEP:
    try:
        hash_algorithm, mgf_hash = _OAEP_HASHES[hash_name](), _OAEP_HASHES[mgf_name]()
    except KeyError:
        raise UnsupportedAlgorithmError(f"unsupported OAEP hash {hash_name}/{mgf_name}") from None
    return padding.OAEP(mgf=padding.MGF1(mgf_hash), algorithm=hash_algorithm, label=None)


def _cbc(cipher: str, key: bytes, iv: bytes, *, encrypt: bool) -> Any:
    algorithm: CipherAlgorithm = TripleDES(key) if cipher == "tripledes_3key" else algorithms.AES(key)
    context = Cipher(algorithm, modes.CBC(iv))
    return context.encryptor() if encrypt else context.decryptor()


def _pad(data: bytes, block: int) -> bytes:
    fill = block - len(data) % block
    return data + bytes([fill]) * fill


def _unpad(data: bytes, block: int) -> bytes:
    fill = data[-1] if data else 0
    if not 1 <= fill <= block or data[-fill:] != bytes([fill]) * fill:
        raise DecryptionFailedError("content padding is invalid (wrong key or corrupted ciphertext)")
    return data[:-fill]


def decrypt(der: bytes, keys: Sequence[KeyPair], kind: str) -> bytes:
    """The plaintext of an EnvelopedData/AuthEnvelopedData ``der`` whose ContentInfo says ``kind``."""
    if not keys:
        raise DecryptionFailedError("no private key configured to decrypt with")
    fast = _fast_envelope(der) if kind == "enveloped_data" else None
    if fast is not None:
        return _decrypt_fast(fast, keys)
    try:
        envelope = cms.ContentInfo.load(der)["content"]
        info = envelope["auth_encrypted_content_info" if kind == "authenticated_enveloped_data" else
                        "encrypted_content_info"]  # fmt: skip
        algorithm = info["content_encryption_algorithm"]
        ciphertext = info["encrypted_content"].native
        recipients = [ri.chosen for ri in envelope["recipient_infos"] if ri.name == "ktri"]
    except (ValueError, TypeError, KeyError) as exc:
        raise DecryptionFailedError(f"malformed EnvelopedData: {exc}") from exc
    if not isinstance(ciphertext, bytes):
        raise DecryptionFailedError("EnvelopedData carries no encrypted content")
    failure: Exception = DecryptionFailedError("no recipient info matches our certificates")
    for recipient, key in _attempts(recipients, keys):
        try:
            content_key = _unwrap_key(recipient, key.private_key)
            return _decrypt_content(algorithm, content_key, ciphertext, envelope, kind)
        except (DecryptionFailedError, ValueError, InvalidTag) as exc:
            failure = exc if isinstance(exc, DecryptionFailedError) else DecryptionFailedError(str(exc))
    raise failure or DecryptionFailedError("the envelope has no RSA recipient")


def _attempts(recipients: list[Any], keys: Sequence[KeyPair]) -> list[tuple[Any, KeyPair]]:
    """Named (recipient, key) pairs first; every other pair after, for senders that name keys oddly."""
    ids = [(CertId.of(key.certificate), key) for key in keys]
    named = [(ri, key) for ri in recipients for cert_id, key in ids if cert_id.matches(ri["rid"])]
    return named or [(ri, key) for ri in recipients for key in keys]


def _unwrap_key(recipient: Any, private_key: rsa.RSAPrivateKey) -> bytes:
    algorithm = recipient["key_encryption_algorithm"]
    name = algorithm["algorithm"].native
    encrypted = recipient["encrypted_key"].native
    if name == "rsaes_pkcs1v15":
        return private_key.decrypt(encrypted, padding.PKCS1v15())
    if name == "rsaes_oaep":
        params = algorithm["parameters"]
        hash_name = params["hash_algorithm"]["algorithm"].native
        mgf_name = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
        return private_key.decrypt(encrypted, _oaep(hash_name, mgf_name))
    raise UnsupportedAlgorithmError(f"unsupported key transport {name}")


def _decrypt_content(algorithm: Any, key: bytes, ciphertext: bytes, envelope: Any, kind: str) -> bytes:
    name = algorithm["algorithm"].native
    if name not in KEY_BYTES:
        raise UnsupportedAlgorithmError(f"unsupported content cipher {name}")
    if len(key) != KEY_BYTES[name]:
        raise DecryptionFailedError("content-encryption key has the wrong length")
    if is_gcm(name):
        if kind != "authenticated_enveloped_data":
            raise UnsupportedAlgorithmError("AES-GCM is only accepted inside AuthEnvelopedData")
        params = GCMParameters.load(algorithm["parameters"].dump())
        return _decrypt_gcm(key, params["aes_nonce"].native, ciphertext, envelope)
    iv = algorithm["parameters"].native
    if not isinstance(iv, bytes):
        raise DecryptionFailedError("CBC cipher without an IV")
    decryptor = _cbc(name, key, iv, encrypt=False)
    return _unpad(decryptor.update(ciphertext) + decryptor.finalize(), len(iv))


def _decrypt_gcm(key: bytes, nonce: bytes, ciphertext: bytes, envelope: Any) -> bytes:
    tag = envelope["mac"].native
    decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag, min_tag_length=len(tag))).decryptor()
    attrs = envelope["auth_attrs"]
    if not isinstance(attrs, core.Void):
        decryptor.authenticate_additional_data(bytes([TAG_SET]) + attrs.dump()[1:])
    return bytes(decryptor.update(ciphertext) + decryptor.finalize())


@dataclass(frozen=True, slots=True)
class _FastEnvelope:
    """The fields of a plain DER EnvelopedData (RSA v1.5 recipients, CBC content) read without asn1crypto."""

    recipients: list[tuple[bytes | None, bytes | None, bytes]]
    cipher: str
    iv: bytes
    ciphertext: bytes


def _fast_envelope(data: bytes) -> _FastEnvelope | None:
    """The common case read with the DER reader; None sends the caller to the general asn1crypto path."""
    try:
        oid, envelope = der.content_info(data)
        fields = der.children(data, der.expect(envelope, der.TAG_SEQUENCE))
        if oid != oid_der(ENVELOPED_DATA_OID)[2:] or fields[1][0] != der.TAG_SET:
            return None
        info = der.children(data, der.expect(fields[2], der.TAG_SEQUENCE))
        algorithm = der.children(data, der.expect(info[1], der.TAG_SEQUENCE))
        cipher = _CBC_BY_OID.get(der.value(data, algorithm[0]))
        if cipher is None or len(info) < 3 or info[2][0] != der.TAG_CONTEXT_0_PRIMITIVE:
            return None
        recipients = [_fast_recipient(data, node) for node in der.children(data, fields[1])]
        if any(r is None for r in recipients):
            return None
        iv = der.value(data, der.expect(algorithm[1], der.TAG_OCTET_STRING))
        return _FastEnvelope([r for r in recipients if r], cipher, iv, der.value(data, info[2]))
    except (ValueError, IndexError):
        return None


def _fast_recipient(data: bytes, node: der.Node) -> tuple[bytes | None, bytes | None, bytes] | None:
    if node[0] != der.TAG_SEQUENCE:
        return None
    _, rid, algorithm, encrypted_key = der.children(data, node)[:4]
    if der.value(data, der.children(data, algorithm)[0]) != _RSA_ENCRYPTION:
        return None
    issuer_serial = der.encoded(data, rid) if rid[0] == der.TAG_SEQUENCE else None
    key_id = der.value(data, rid) if rid[0] == der.TAG_CONTEXT_0_PRIMITIVE else None
    return issuer_serial, key_id, der.value(data, encrypted_key)


def _decrypt_fast(envelope: _FastEnvelope, keys: Sequence[KeyPair]) -> bytes:
    ids = [(CertId.of(key.certificate), key) for key in keys]
    named = [
        (encrypted, key)
        for issuer_serial, key_id, encrypted in envelope.recipients
        for cert_id, key in ids
        if issuer_serial == cert_id.issuer_and_serial_der or (key_id and key_id == cert_id.key_identifier)
    ]
    attempts = named or [(r[2], key) for r in envelope.recipients for key in keys]
    failure: DecryptionFailedError | None = None
    for encrypted, key in attempts:
        try:
            content_key = key.private_key.decrypt(encrypted, padding.PKCS1v15())
            if len(content_key) != KEY_BYTES[envelope.cipher]:
                raise DecryptionFailedError("content-encryption key has the wrong length")
            decryptor = _cbc(envelope.cipher, content_key, envelope.iv, encrypt=False)
            return _unpad(decryptor.update(envelope.ciphertext) + decryptor.finalize(), len(envelope.iv))
        except (DecryptionFailedError, ValueError) as exc:
            failure = exc if isinstance(exc, DecryptionFailedError) else DecryptionFailedError(str(exc))
    raise failure or DecryptionFailedError("the envelope has no RSA recipient")
