"""The HTTP application: middleware (correlation id, size limit, metrics), probes and routers."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

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

ROUTERS = [
    auth_router,
    system_router,
    partners_router,
    certificates_router,
    as2_router,
    outbound_router,
    partner_api_router,
    audit_router,
    documents_router,
]

MAX_CORRELATION_ID_CHARS = 64


def _install_middleware(app: FastAPI, settings: Settings, http: HttpMetrics) -> None:
    @app.middleware("http")
    async def correlate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        cid = request.headers.get(CORRELATION_HEADER, "")[:MAX_CORRELATION_ID_CHARS] or new_correlation_id()
        token = set_correlation_id(cid)
        started = time.perf_counter()
        try:
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > settings.max_request_bytes):
                response: Response = JSONResponse(
                    {"error": "payload_too_large", "detail": f"limit is {settings.max_request_bytes} bytes"},
                    status_code=413,
                )
            else:
                with span(f"HTTP {request.method}", method=request.method) as current:
                    response = await call_next(request)
                    route_path = getattr(request.scope.get("route"), "path", "unmatched")
                    current.set_attribute("http.route", route_path)
                    current.set_attribute("http.response.status_code", response.status_code)
        finally:
            reset_correlation_id(token)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        http.requests.labels(request.method, path, str(response.status_code)).inc()
        http.latency.labels(request.method, path).observe(time.perf_counter() - started)
        response.headers[CORRELATION_HEADER] = cid
        return response


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
    _install_middleware(app, settings, http)
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
