"""Console sign-in and request protection: the API token in an HttpOnly cookie, role checks through the
API's own ``require``, and a double-submit CSRF token on every form.

The cookie holds the bearer token itself (tokens are stored hashed, so the database never sees it in
clear); it is ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page sends it) and
``Secure`` when the console is served over https. Every POST form carries a ``csrf`` field equal to a
second cookie; a forged cross-site POST can set neither.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qsl

from fastapi import Request, Response

from gateway.auth.service import AuthenticationError, ForbiddenError, Principal, authenticate
from gateway.db import Database
from gateway.deps import require
from gateway.errors import GatewayError, InvalidInputError
from gateway.models.auth import Role

PREFIX = "/console"
TOKEN_COOKIE = "edigw_console"  # noqa: S105 - a cookie name, not a secret
CSRF_COOKIE = "edigw_console_csrf"
CSRF_FIELD = "csrf"
CSRF_BYTES = 32
MAX_FORM_FIELDS = 50
MAX_FORM_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class SignInRequiredError(GatewayError):
    """No valid token cookie: the console sends the browser to the sign-in page."""

    http_status = 401
    code = "unauthenticated"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_token_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path=PREFIX
    )


def clear_token_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        TOKEN_COOKIE, path=PREFIX, httponly=True, samesite="strict", secure=_secure(request)
    )


def sign_in(db: Database, token: str) -> Principal:
    """The principal of a token typed on the sign-in page; partner tokens belong to the partner API."""
    with db.transaction() as session:
        principal = authenticate(session, token.strip())
    if principal.role is Role.PARTNER:
        raise ForbiddenError("partner tokens use the partner API, not the console")
    return principal


def principal_of(request: Request) -> Principal:
    """The signed-in principal, authenticated on every request exactly like a bearer token."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise SignInRequiredError("sign in with an API token")
    db: Database = request.app.state.db
    try:
        with db.transaction() as session:
            principal = authenticate(session, token)
    except AuthenticationError as exc:
        raise SignInRequiredError(exc.message) from exc
    if principal.role is Role.PARTNER:
        raise ForbiddenError("partner tokens use the partner API, not the console")
    return principal


def may(principal: Principal, *roles: Role) -> bool:
    """Whether the API's ``require(*roles)`` lets this principal through (admin always)."""
    try:
        require(*roles)(principal)
    except ForbiddenError:
        return False
    return True


def allow(principal: Principal, *roles: Role) -> Principal:
    """The API's role check: 403 unless ``require(*roles)`` lets the principal through."""
    return require(*roles)(principal)


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser; a new one is set as a cookie on the response when missing."""
    current = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if current:
        return str(current)
    request.state.new_csrf = secrets.token_urlsafe(CSRF_BYTES)
    return str(request.state.new_csrf)


def attach_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="strict", secure=_secure(request), path=PREFIX
        )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin.rstrip("/") == f"{request.url.scheme}://{request.url.netloc}"


async def checked_form(request: Request) -> dict[str, str]:
    """The fields of a POSTed form, after the CSRF check (double-submit cookie and same origin)."""
    fields: dict[str, str] = {}
    if request.headers.get("content-type", "").split(";")[0].strip() == FORM_TYPE:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise InvalidInputError("the form is too large")
        try:
            fields = dict(parse_qsl(body.decode("utf-8", "replace"), max_num_fields=MAX_FORM_FIELDS))
        except ValueError as exc:
            raise InvalidInputError("the form has too many fields") from exc
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = fields.pop(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()) or not _same_origin(request):
        raise ForbiddenError("the form's CSRF check failed: reload the page and try again")
    return fields
