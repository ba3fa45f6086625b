"""One JSON error format for every failure the API reports: ``error``, ``detail`` and, for input
problems, ``errors`` with a dotted field path each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.errors import GatewayError
from partners.errors import DuplicateIdentityError, FieldError, PartnersError, ProfileValidationError


def dotted(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _field_errors(errors: Iterable[FieldError]) -> list[dict[str, Any]]:
    return [{"loc": e.path, "message": e.message, "type": e.type} for e in errors]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def gateway_error(_request: Request, exc: GatewayError) -> JSONResponse:
        body: dict[str, Any] = {"error": exc.code, "detail": exc.message}
        if exc.location:
            body["location"] = exc.location
        return JSONResponse(body, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": dotted([p for p in e["loc"] if p != "body"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        return JSONResponse(
            {"error": "invalid_input", "detail": "the request is invalid", "errors": errors}, 422
        )

    @app.exception_handler(ProfileValidationError)
    async def profile_invalid(_request: Request, exc: ProfileValidationError) -> JSONResponse:
        duplicate = isinstance(exc, DuplicateIdentityError)
        body = {
            "error": "identity_in_use" if duplicate else "invalid_input",
            "detail": str(exc),
            "errors": _field_errors(exc.errors),
        }
        return JSONResponse(body, status_code=409 if duplicate else 422)

    @app.exception_handler(PartnersError)
    async def partners_error(_request: Request, exc: PartnersError) -> JSONResponse:
        reason = getattr(exc, "reason", None)
        body = {"error": getattr(reason, "value", "invalid_input"), "detail": str(exc)}
        return JSONResponse(body, status_code=422)
