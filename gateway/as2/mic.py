"""MIC algorithms: lenient parsing of their many spellings, per-partner emission, and MIC computation.

Also parses ``Disposition-Notification-Options`` (RFC 4130 §7.3) and picks the receipt MIC algorithm:
the first supported entry of ``signed-receipt-micalg``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from gateway.as2.errors import UnsupportedMicAlgorithmError

MicalgSpelling = Literal["rfc5751", "compact", "upper"]

SUPPORTED = ("sha1", "sha224", "sha256", "sha384", "sha512")
LEGACY = ("md5",)
DEFAULT_MIC_ALGORITHM = "sha256"
REQUIRED = "required"
OPTIONAL = "optional"
_RFC5751 = {"md5": "md5", "sha1": "sha-1", "sha224": "sha-224", "sha256": "sha-256",
            "sha384": "sha-384", "sha512": "sha-512"}  # fmt: skip


def normalise(name: str) -> str | None:
    """``sha1``/``SHA1``/``sha-1``/``SHA-256``/``sha_256``/``rsa-sha256`` → canonical name, else None."""
    compact = re.sub(r"[\s_\-]", "", name.strip().strip('"').lower())
    compact = compact.removeprefix("rsa")
    if compact.startswith("sha2") and len(compact) == 7:
        compact = "sha" + compact[4:]
    return compact if compact in SUPPORTED or compact in LEGACY else None


def spell(algorithm: str, spelling: MicalgSpelling = "rfc5751") -> str:
    """How one partner wants an algorithm written in ``micalg=`` and ``Received-Content-MIC``."""
    if spelling == "compact":
        return algorithm
    if spelling == "upper":
        return algorithm.upper()
    return _RFC5751[algorithm]


def digest(data: bytes, algorithm: str) -> bytes:
    return hashlib.new(algorithm, data).digest()


def compute_mic(data: bytes, algorithm: str) -> str:
    return base64.b64encode(digest(data, algorithm)).decode("ascii")


@dataclass(frozen=True, slots=True)
class DispositionOptions:
    """A parsed ``Disposition-Notification-Options`` header."""

    signed_receipt_protocol: str | None = None
    protocol_importance: str = OPTIONAL
    micalgs: tuple[str, ...] = ()
    micalg_importance: str = OPTIONAL

    @property
    def wants_signed_receipt(self) -> bool:
        return (self.signed_receipt_protocol or "").lower() in ("pkcs7-signature", "pkcs7")

    def render(self, spelling: MicalgSpelling = "rfc5751") -> str:
        micalgs = ", ".join(spell(alg, spelling) if normalise(alg) == alg else alg for alg in self.micalgs)
        return (
            f"signed-receipt-protocol={self.protocol_importance}, {self.signed_receipt_protocol}; "
            f"signed-receipt-micalg={self.micalg_importance}, {micalgs}"
        )


@functools.lru_cache(maxsize=256)
def parse_options(value: str | None) -> DispositionOptions:
    """Parse leniently: any case, ``,sha1`` without a space, missing importance, stray quotes."""
    if not value:
        return DispositionOptions()
    fields: dict[str, list[str]] = {}
    for clause in value.split(";"):
        name, _, rest = clause.partition("=")
        items = [item.strip().strip('"') for item in rest.split(",") if item.strip()]
        fields[name.strip().lower()] = items
    protocol = _with_importance(fields.get("signed-receipt-protocol", []))
    micalg = _with_importance(fields.get("signed-receipt-micalg", []))
    return DispositionOptions(
        signed_receipt_protocol=protocol[1][0] if protocol[1] else None,
        protocol_importance=protocol[0],
        micalgs=tuple(micalg[1]),
        micalg_importance=micalg[0],
    )


def _with_importance(items: list[str]) -> tuple[str, list[str]]:
    if items and items[0].lower() in (REQUIRED, OPTIONAL):
        return items[0].lower(), items[1:]
    return OPTIONAL, items


def choose_algorithm(
    options: DispositionOptions, *, allow_md5: bool = False, fallback: str = DEFAULT_MIC_ALGORITHM
) -> str:
    """The first supported requested algorithm; ``fallback`` when none was asked for or it was optional."""
    for requested in options.micalgs:
        name = normalise(requested)
        if name in SUPPORTED or (allow_md5 and name in LEGACY):
            return name
    if options.micalgs and options.micalg_importance == REQUIRED:
        raise UnsupportedMicAlgorithmError(f"no supported MIC algorithm in {', '.join(options.micalgs)}")
    return fallback


def format_received_mic(mic: str, algorithm: str, spelling: MicalgSpelling = "rfc5751") -> str:
    return f"{mic}, {spell(algorithm, spelling)}"


def parse_received_mic(value: str) -> tuple[str, str | None]:
    """``"base64, sha-256"`` or ``"base64,sha1"`` → (mic, canonical algorithm or None)."""
    mic, _, algorithm = value.strip().partition(",")
    return mic.strip(), normalise(algorithm) if algorithm.strip() else None
