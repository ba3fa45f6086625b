"""Errors of the AS2 codec. Each carries the MDN disposition it must be answered with (RFC 4130 §7.4.3).

``disposition_type`` is ``processed/error`` for the RFC 4130 error modifiers and ``failed/Failure`` for the
failures (unsupported algorithms); ``modifier`` is the exact text after the colon.
"""

from __future__ import annotations

PROCESSED_ERROR = "processed/error"
FAILED_FAILURE = "failed/Failure"


class AS2Error(Exception):
    """Base of the codec's errors: a message and the MDN disposition modifier that reports it."""

    modifier = "unexpected-processing-error"
    disposition_type = PROCESSED_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def disposition(self) -> str:
        """The disposition text after ``automatic-action/MDN-sent-automatically;``."""
        return f"{self.disposition_type}: {self.modifier}"


class UnexpectedProcessingError(AS2Error):
    """Malformed MIME/CMS or anything the codec cannot classify more precisely."""


class DecryptionFailedError(AS2Error):
    modifier = "decryption-failed"


class AuthenticationFailedError(AS2Error):
    """The signer is unknown, not trusted, outside its validity window, or the signature is invalid."""

    modifier = "authentication-failed"


class IntegrityCheckFailedError(AS2Error):
    """The signed content does not match its digest: the body was altered."""

    modifier = "integrity-check-failed"


class DecompressionFailedError(AS2Error):
    modifier = "decompression-failed"


class InsufficientMessageSecurityError(AS2Error):
    """The message lacks a security layer the partner agreement requires (signature/encryption)."""

    modifier = "insufficient-message-security"


class UnsupportedMicAlgorithmError(AS2Error):
    """None of the MIC algorithms in a *required* ``signed-receipt-micalg`` is supported."""

    modifier = "unsupported-mic-algorithms"
    disposition_type = FAILED_FAILURE


class UnsupportedAlgorithmError(DecryptionFailedError):
    """A content cipher or key transport the codec does not implement (reported as decryption-failed)."""


class LimitExceededError(UnexpectedProcessingError):
    """A configured limit (body, header, MIME parts/depth) was exceeded; ``limit`` names it."""

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class DecompressedSizeExceededError(DecompressionFailedError):
    """The streamed decompression passed the decompressed-size cap (a compression bomb)."""

    limit = "max_decompressed_bytes"


class MdnError(AS2Error):
    """An incoming MDN cannot be parsed or verified."""


class MdnSignatureError(MdnError):
    modifier = "authentication-failed"


class HeaderValueError(ValueError):
    """A value that cannot be put on the wire as one unfolded header line (CR/LF, bad AS2 name)."""


class UnknownTradingPartnerError(AS2Error):
    """AS2-From/AS2-To name no configured partnership (raised by the endpoint, answered by the codec)."""

    modifier = "unknown-trading-partner"
