"""An AS2 partner built on the openssl CLI: it builds requests our codec must unwrap and checks what
our codec sends (messages and MDNs) with ``openssl cms``. OpenSSL here has no zlib, so compressed
layers are made and opened with zlib + asn1crypto's own CompressedData, never with our codec.
"""

from __future__ import annotations

import email
import subprocess
import zlib
from email.message import Message
from pathlib import Path

from asn1crypto import cms

from .keys import Identity

CIPHER_FLAGS = {
    "tripledes_3key": "-des3",
    "aes128_cbc": "-aes128",
    "aes192_cbc": "-aes192",
    "aes256_cbc": "-aes256",
    "aes128_gcm": "-aes-128-gcm",
    "aes256_gcm": "-aes-256-gcm",
}
CRLF = b"\r\n"


class OpenSSLError(AssertionError):
    pass


class OpenSSLPeer:
    """The partner side: ``me`` is the partner identity, ``them`` is the gateway's certificate."""

    def __init__(self, me: Identity, them: Identity, folder: Path) -> None:
        self.me, self.them, self.folder = me, them, folder
        self._count = 0

    def run(self, *args: str, data: bytes | None = None, positional: tuple[str, ...] = ()) -> bytes:
        self._count += 1
        source = self.folder / f"in{self._count}"
        target = self.folder / f"out{self._count}"
        command = ["openssl", *args]
        if data is not None:
            source.write_bytes(data)
            command += ["-in", str(source)]
        command += ["-out", str(target), *positional]
        result = subprocess.run(command, capture_output=True, check=False, timeout=60)
        if result.returncode != 0:
            raise OpenSSLError(f"openssl {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return target.read_bytes()

    # --- building requests -------------------------------------------------------------------------

    @staticmethod
    def entity(
        payload: bytes, content_type: str = "application/edi-x12", filename: str | None = None
    ) -> bytes:
        headers = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
        if filename:
            headers += f'Content-Disposition: attachment; filename="{filename}"\r\n'
        return headers.encode() + CRLF + payload

    @staticmethod
    def compressed_entity(entity: bytes) -> bytes:
        data = cms.CompressedData(
            {
                "version": "v0",
                "compression_algorithm": {"algorithm": "zlib"},
                "encap_content_info": {"content_type": "data", "content": zlib.compress(entity)},
            }
        )
        der = cms.ContentInfo({"content_type": "compressed_data", "content": data}).dump()
        headers = (
            b"Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\n"
            b"Content-Transfer-Encoding: binary\r\n\r\n"
        )
        return headers + bytes(der)

    def sign(
        self, entity: bytes, digest: str, *, pss: bool = False, no_attributes: bool = False,
        signer: Identity | None = None,
    ) -> bytes:  # fmt: skip
        """openssl's own multipart/signed S/MIME (headers included, CRLF line ends)."""
        who = signer or self.me
        args = ["cms", "-sign", "-binary", "-crlfeol", "-outform", "SMIME", "-md", digest,
                "-signer", str(who.cert_path), "-inkey", str(who.key_path)]  # fmt: skip
        if pss:
            args += ["-keyopt", "rsa_padding_mode:pss"]
        if no_attributes:
            args.append("-noattr")
        smime = self.run(*args, data=entity)
        return smime.replace(b"MIME-Version: 1.0\r\n", b"", 1)

    def encrypt(
        self, entity: bytes, cipher: str, *, oaep: str | None = None, key_id: bool = False,
        stream: bool = False, recipients: tuple[Identity, ...] = (),
    ) -> bytes:  # fmt: skip
        args = ["cms", "-encrypt", "-binary", "-outform", "DER", CIPHER_FLAGS[cipher]]
        for recipient in (*recipients, self.them):
            args += ["-recip", str(recipient.cert_path)]
        if key_id:
            args.append("-keyid")
        if stream:
            args.append("-stream")
        if oaep:
            args += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", f"rsa_oaep_md:{oaep}"]
        return self.run(*args, data=entity)

    def detached_signature(self, entity: bytes, digest: str) -> bytes:
        """A detached CMS signature (DER) over ``entity``, for tests that frame the MIME themselves."""
        args = ["cms", "-sign", "-binary", "-outform", "DER", "-md", digest,
                "-signer", str(self.me.cert_path), "-inkey", str(self.me.key_path)]  # fmt: skip
        return self.run(*args, data=entity)

    def smime_sign_encrypt(self, entity: bytes) -> bytes:
        """The legacy ``openssl smime`` path: x-pkcs7 content types, sha256 signature, 3DES envelope."""
        signed = self.run("smime", "-sign", "-binary", "-md", "sha256", "-signer", str(self.me.cert_path),
                          "-inkey", str(self.me.key_path), data=entity)  # fmt: skip
        return self.run(
            "smime", "-encrypt", "-binary", "-des3", data=signed, positional=(str(self.them.cert_path),)
        )

    @staticmethod
    def http(
        entity: bytes, message_id: str = "<peer-1@partner>", **extra: str
    ) -> tuple[dict[str, str], bytes]:
        """Move an entity's MIME headers into HTTP headers, as an AS2 client does."""
        head, _, body = entity.partition(b"\r\n\r\n")
        headers = {
            "AS2-Version": "1.2",
            "AS2-From": "partner",
            "AS2-To": "gateway",
            "Message-ID": message_id,
            "Disposition-Notification-To": "mdn@partner.example",
            "Disposition-Notification-Options": (
                "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256"
            ),
        }
        for line in head.split(b"\r\n"):
            name, _, value = line.decode().partition(":")
            headers[name.strip()] = value.strip()
        headers.update(extra)
        return headers, body

    @staticmethod
    def enveloped_http(der: bytes, cipher: str) -> bytes:
        smime_type = "authEnveloped-data" if cipher.endswith("gcm") else "enveloped-data"
        head = f"Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=smime.p7m\r\n\r\n"
        return head.encode() + der

    # --- checking what the gateway sends ------------------------------------------------------------

    def decrypt(self, der: bytes) -> bytes:
        args = ["cms", "-decrypt", "-binary", "-inform", "DER", "-inkey", str(self.me.key_path),
                "-recip", str(self.me.cert_path)]  # fmt: skip
        return self.run(*args, data=der)

    def verify(self, smime: bytes, signer: Identity) -> bytes:
        """Verify an S/MIME multipart/signed entity against ``signer``'s certificate; return the content."""
        args = ["cms", "-verify", "-binary", "-crlfeol", "-inform", "SMIME", "-CAfile", str(signer.cert_path),
                "-purpose", "any"]  # fmt: skip
        return self.run(*args, data=smime)

    @staticmethod
    def to_entity(headers: tuple[tuple[str, str], ...] | list[tuple[str, str]], body: bytes) -> bytes:
        """An HTTP message as a MIME entity: its Content-* headers + blank line + body."""
        lines = [f"{n}: {v}\r\n".encode() for n, v in headers if n.lower().startswith(("content-", "mime-"))]
        return b"".join(lines) + CRLF + body

    @staticmethod
    def parse(entity: bytes) -> Message:
        return email.message_from_bytes(entity)

    @staticmethod
    def decompress(der: bytes) -> bytes:
        return bytes(cms.ContentInfo.load(der)["content"].decompressed)
