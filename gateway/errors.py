"""Errors of the gateway layer. Each carries the HTTP status an endpoint answers with."""

from __future__ import annotations


class GatewayError(Exception):
    """Base of the gateway's errors; ``http_status`` is what an API handler returns for it."""

    http_status = 500
    code = "internal_error"

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class NotFoundError(GatewayError):
    http_status = 404
    code = "not_found"


class ConflictError(GatewayError):
    http_status = 409
    code = "conflict"


class InvalidInputError(GatewayError):
    http_status = 422
    code = "invalid_input"


class PayloadTooLargeError(GatewayError):
    http_status = 413
    code = "payload_too_large"


class PermanentJobError(GatewayError):
    """Raised by a task handler when retrying cannot help: the job goes straight to the dead state."""

    code = "permanent_failure"
