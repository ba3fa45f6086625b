"""How console pages are served: Jinja2 templates (autoescaped), the navigation by role, the roles each page
mirrors from its API route, and a route class that turns errors into pages and adds security headers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from gateway.auth.service import Principal
from gateway.config import Settings
from gateway.console.session import (
    PREFIX,
    SignInRequiredError,
    attach_csrf_cookie,
    csrf_token,
    may,
    principal_of,
)
from gateway.db import Database
from gateway.errors import GatewayError, InvalidInputError
from gateway.models import Role

HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True), auto_reload=False
)

# The roles of the API routes each page mirrors (admin always passes, as in ``require``).
EXCHANGE_READERS = (Role.AUDITOR, Role.OPERATOR)  # GET /v1/exchanges
DOCUMENT_READERS = (Role.OPERATOR, Role.AUDITOR)  # GET /v1/documents, overdue MDNs and acks
PARTNER_READERS = (Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR)  # GET /v1/admin/partners, certificates
PARTNER_WRITERS = (Role.ONBOARDING,)  # POST /v1/admin/partners/{id}/test
OPERATORS = (Role.OPERATOR,)  # GET /v1/admin/jobs, replay, resend
AUDITORS = (Role.AUDITOR,)  # archived bytes, evidence bundles
STAFF = (Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR)
NAV = (
    ("Dashboard", "/console", STAFF),
    ("Messages", "/console/messages", EXCHANGE_READERS),
    ("Partners", "/console/partners", PARTNER_READERS),
    ("Dead letters", "/console/jobs?status=dead", OPERATORS),
    ("Receipts", "/console/receipts", AUDITORS),
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    principal: Principal | None = context.pop("principal", None)
    nav = [(label, url) for label, url, roles in NAV if principal and may(principal, *roles)]
    html = TEMPLATES.get_template(name).render(
        principal=principal, nav=nav, csrf=csrf_token(request), path=request.url.path, may=may, Role=Role,
        **context,
    )  # fmt: skip
    return HTMLResponse(html, status_code=http_status)


class ConsoleRoute(APIRoute):
    """Errors become pages (a missing sign-in a redirect); every answer gets the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except SignInRequiredError:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"{PREFIX}/sign-in?next={_quote(target)}", status_code=303)
            except GatewayError as exc:
                response = await run_in_threadpool(error_page, request, exc)
            except RequestValidationError as exc:
                problem = InvalidInputError("; ".join(str(e.get("msg")) for e in exc.errors()))
                response = await run_in_threadpool(error_page, request, problem)
            attach_csrf_cookie(request, response)
            response.headers.update(SECURITY_HEADERS)
            return response

        return handler


def _quote(path: str) -> str:
    return quote(path, safe="")


def error_page(request: Request, error: GatewayError) -> HTMLResponse:
    """The error as a page, with the navigation when the browser is signed in."""
    try:
        principal: Principal | None = principal_of(request)
    except GatewayError:
        principal = None
    return render(request, "error.html", error.http_status, error=error, principal=principal)


def database_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def safe_next(target: str | None) -> str:
    """Only a console path of this site (never ``//host``) is a place to go back to after signing in."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX
