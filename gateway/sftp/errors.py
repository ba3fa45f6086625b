"""Errors of the SFTP transport; each is a ``GatewayError`` with a stable code."""

from __future__ import annotations

from gateway.errors import (
    GatewayError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermanentJobError,
)


class SftpError(GatewayError):
    """Base of SFTP transport errors (network, protocol or remote-side failures; worth a retry)."""

    http_status = 502
    code = "sftp_error"


class HostKeyMismatchError(SftpError, PermanentJobError):
    """The partner's server presented a host key other than the pinned one: a job that meets it goes
    dead at once instead of retrying (an operator updates the profile, then replays it)."""

    code = "sftp_host_key_mismatch"

    def __init__(self, host: str, port: int, expected: str, offered: str) -> None:
        super().__init__(
            f"host key of {host}:{port} does not match the pinned key: expected {expected}, "
            f"server offered {offered}; if the partner really changed its key, update the profile"
        )
        self.expected = expected
        self.offered = offered


class UnsafeFileNameError(InvalidInputError):
    code = "sftp_unsafe_file_name"


class FileTooLargeError(PayloadTooLargeError):
    code = "sftp_file_too_large"


class UnknownSftpPartnerError(NotFoundError):
    code = "sftp_unknown_partner"


class ClientKeyMissingError(NotFoundError):
    code = "sftp_client_key_missing"


class InvalidClientKeyError(InvalidInputError):
    code = "sftp_client_key_invalid"
