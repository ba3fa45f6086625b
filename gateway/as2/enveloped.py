"""CMS EnvelopedData (RFC 5652) and AuthEnvelopedData with AES-GCM (RFC 5083/5084): encrypt and decrypt.

Key transport: RSA PKCS#1 v1.5 and RSAES-OAEP (SHA-1/SHA-256 parameters). Content ciphers: 3DES and
AES-128/192/256-CBC, AES-128/192/256-GCM. Recipients are matched by issuer+serial or SKI; when none
names one of our certificates every key is tried.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes

from gateway.as2.cms import DATA_OID, CertId, KeyPair, content_info, der_header, der_wrap
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
    data_oid = core.ObjectIdentifier(DATA_OID).dump()
    encrypted = der_header(TAG_CONTEXT_0_PRIMITIVE, len(ciphertext))
    return der_wrap(TAG_SEQUENCE, data_oid, algorithm_der, encrypted, ciphertext)


def _recipient_info(cert: x509.Certificate, key: bytes, transport: KeyTransport, use_ski: bool) -> bytes:
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("recipient certificate must carry an RSA key")
    cert_id = CertId.of(cert)
    if use_ski and cert_id.key_identifier:
        rid = cms.RecipientIdentifier({"subject_key_identifier": cert_id.key_identifier})
    else:
        rid = cms.RecipientIdentifier(
            {"issuer_and_serial_number": {"issuer": cert_id.issuer, "serial_number": cert_id.serial}}
        )
    if transport == "rsaes_pkcs1v15":
        encrypted, alg = public.encrypt(key, padding.PKCS1v15()), {"algorithm": "rsaes_pkcs1v15"}
    else:
        name = transport.rsplit("_", 1)[1]
        encrypted = public.encrypt(key, _oaep(name, name))
        alg = {"algorithm": "rsaes_oaep", "parameters": _oaep_params(name)}
    ktri = cms.KeyTransRecipientInfo(
        {"version": "v2" if rid.name == "subject_key_identifier" else "v0", "rid": rid,
         "key_encryption_algorithm": alg, "encrypted_key": encrypted}
    )  # fmt: skip
    return bytes(cms.RecipientInfo({"ktri": ktri}).dump())


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
    raise failure


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
