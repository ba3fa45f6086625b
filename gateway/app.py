"""The HTTP application: middleware (correlation id, size limit, metrics), probes and routers."""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.as2.endpoint import router as as2_router
from gateway.audit.endpoints import router as audit_router
from gateway.auth.endpoints import router as auth_router
from gateway.certificates.endpoints import router as certificates_router
from gateway.config import Settings, get_settings
from gateway.console.endpoints import install as install_console
from gateway.console.metrics import ActivityCollector, KpiCollector
from gateway.db import get_database
from gateway.documents.endpoints import router as documents_router
from gateway.errors_http import install_error_handlers
from gateway.http_server import connection_balance
from gateway.metrics import CertificateExpiryCollector, HttpMetrics, OutboxCollector
from gateway.observability import (
    CORRELATION_HEADER,
    new_correlation_id,
    reset_correlation_id,
    set_correlation_id,
)
from gateway.onboarding.endpoints import router as partners_router
from gateway.outbound.endpoints import router as outbound_router
from gateway.partner_api.endpoints import router as partner_api_router
from gateway.readiness import check_broker
from gateway.system.endpoints import router as system_router
from gateway.tracing import span

# First: every AS2 message is matched against the routes before it (about 0.3 ms of CPU on a miss
# through all of them with this FastAPI), and it is the highest-volume endpoint.
ROUTERS = [
    as2_router,
    auth_router,
    system_router,
    partners_router,
    certificates_router,
    outbound_router,
    partner_api_router,
    audit_router,
    documents_router,
]

MAX_CORRELATION_ID_CHARS = 64


class _Observe:
    """Correlation id (echoed or created), the request size limit and HTTP metrics, as a plain ASGI
    middleware: no per-request task or stream wrapping."""

    def __init__(self, app: ASGIApp, settings: Settings, http: HttpMetrics) -> None:
        self.app, self.settings, self.http = app, settings, http
        self.header = CORRELATION_HEADER.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        cid = (
            headers.get(self.header, b"").decode("latin-1")[:MAX_CORRELATION_ID_CHARS] or new_correlation_id()
        )
        echo = [(self.header, cid.encode("latin-1"))]
        balance = connection_balance()
        if balance is not None and balance.should_close(scope.get("client"), time.monotonic()):
            echo.append((b"connection", b"close"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *echo]
            await send(message)

        token = set_correlation_id(cid)
        started = time.perf_counter()
        try:
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.settings.max_request_bytes):
                limit = self.settings.max_request_bytes
                body = {"error": "payload_too_large", "detail": f"limit is {limit} bytes"}
                await JSONResponse(body, status_code=413)(scope, receive, send_with_id)
            else:
                with span(f"HTTP {scope['method']}", method=scope["method"]) as current:
                    await self.app(scope, receive, send_with_id)
                    current.set_attribute("http.route", getattr(scope.get("route"), "path", "unmatched"))
                    current.set_attribute("http.response.status_code", status)
        finally:
            reset_correlation_id(token)
            path = getattr(scope.get("route"), "path", "unmatched")
            self.http.requests.labels(scope["method"], path, str(status)).inc()
            self.http.latency.labels(scope["method"], path).observe(time.perf_counter() - started)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = get_database(settings)
    registry = CollectorRegistry()
    http = HttpMetrics(registry)
    registry.register(OutboxCollector(db))
    registry.register(CertificateExpiryCollector(db))
    registry.register(KpiCollector(db))
    registry.register(ActivityCollector(db))

    app = FastAPI(title="EDI partner gateway", version="0.1.0")
    app.state.settings = settings
    app.state.db = db
    app.add_middleware(_Observe, settings=settings, http=http)
    for router in ROUTERS:
        app.include_router(router)
    install_console(app)

    install_error_handlers(app)

    @app.get("/health", tags=["probes"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["probes"], responses={503: {"description": "a dependency is unreachable"}})
    def ready() -> JSONResponse:
        """Readiness: the database and the broker are reachable."""
        checks: dict[str, str] = {}
        try:
            db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["broker"] = check_broker(settings)
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, 200 if ok else 503)

    @app.get("/metrics", tags=["probes"], response_class=Response)
    def metrics() -> Response:
        """Prometheus exposition."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
