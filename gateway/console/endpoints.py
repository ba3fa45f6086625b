"""Console pages under ``/console``: sign-in, dashboard, message search and timeline, documents, partners,
receipts and the operator's actions. Every page checks the role its API route checks (``require``), on
the principal of the token cookie, and every POST form passes the CSRF check before anything runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from gateway.audit import service as audit_service
from gateway.auth.service import AuthenticationError, Principal, audit
from gateway.certificates.service import certificates_of, summary
from gateway.console import kpis, service
from gateway.console.charts import bar_chart
from gateway.console.pages import (
    AUDITORS,
    DOCUMENT_READERS,
    EXCHANGE_READERS,
    HERE,
    OPERATORS,
    PARTNER_READERS,
    PARTNER_WRITERS,
    STAFF,
    ConsoleRoute,
    database_of,
    render,
    safe_next,
    settings_of,
)
from gateway.console.schemas import Dashboard
from gateway.console.session import (
    PREFIX,
    allow,
    checked_form,
    clear_token_cookie,
    may,
    principal_of,
    set_token_cookie,
    sign_in,
)
from gateway.deps import MAX_ID, Id
from gateway.documents import reconciliation
from gateway.documents import service as documents_service
from gateway.errors import InvalidInputError, NotFoundError
from gateway.models import JobStatus
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, ExchangeStatus
from gateway.onboarding import repository as partners_repository
from gateway.onboarding.check import run_check
from gateway.onboarding.service import get_partner, profile_of
from gateway.outbound import service as outbound_service
from gateway.outbound.service import overdue_mdns

NOTICES = {
    "resend": "The exchange is queued to be sent again.",
    "replay": "The job has a fresh set of attempts and is queued.",
    "redeliver": "The document is queued for the ERP again.",
}
ACTIONS = {
    "resend": ("Resend exchange", "exchange"),
    "replay": ("Replay dead job", "outbox job"),
    "redeliver": ("Redeliver to the ERP", "document"),
}
TEST_WAIT_SECONDS = 5.0
PAGE_SIZE = 100
router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=ConsoleRoute)
Signed = Annotated[Principal, Depends(principal_of)]
Form = Annotated[dict[str, str], Depends(checked_form)]


# --- sign-in -----------------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "sign_in.html", next=safe_next(next), error=None)


@router.post("/sign-in")
def sign_in_submit(request: Request, form: Form) -> Response:
    target = safe_next(form.get("next"))
    try:
        principal = sign_in(database_of(request), form.get("token", ""))
    except AuthenticationError as exc:
        return render(request, "sign_in.html", 401, next=target, error=exc.message)
    response = RedirectResponse(target, status_code=303)
    set_token_cookie(request, response, form.get("token", "").strip())
    with database_of(request).transaction() as session:
        audit(session, principal, "console.sign_in", "api_token", principal.token_id)
    return response


@router.post("/sign-out")
def sign_out(request: Request, _form: Form) -> Response:
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    clear_token_cookie(request, response)
    return response


# --- dashboard ---------------------------------------------------------------------------------------


def build_dashboard(request: Request, principal: Principal) -> Dashboard:
    now = utcnow()
    reader, operator = may(principal, *EXCHANGE_READERS), may(principal, *OPERATORS)
    with database_of(request).sessions() as session:
        return Dashboard(
            today=now.date(),
            messages_today=service.messages_today(session, now) if reader else None,
            failures_today=service.failures_today(session, now) if reader else None,
            dead_jobs=service.dead_jobs(session) if operator else None,
            overdue_mdns=len(overdue_mdns(session, now)) if may(principal, *DOCUMENT_READERS) else None,
            overdue_acks=len(reconciliation.overdue_acks(session, now))
            if may(principal, *DOCUMENT_READERS)
            else None,
            expiring_certificates=service.expiring_certificates(session, now)
            if may(principal, *PARTNER_READERS)
            else None,
            queue_depth=service.queue_depth(session) if operator else None,
            relay_lag_seconds=service.relay_lag(session, now) if operator else None,
            kpis=kpis.compute(session, now) if may(principal, *DOCUMENT_READERS) else None,
            trend=kpis.messages_by_day(session, now) if reader else None,
        )


@router.get("")
@router.get("/")
def dashboard(request: Request, principal: Signed) -> HTMLResponse:
    allow(principal, *STAFF)
    board = build_dashboard(request, principal)
    trend = bar_chart(board.trend, "Messages per day") if board.trend else None
    fixes = None
    if board.kpis and any(day.n for day in board.kpis.interventions_by_day):
        fixes = bar_chart(board.kpis.interventions_by_day, "Manual interventions per day")
    return render(request, "dashboard.html", principal=principal, board=board, trend=trend, fixes=fixes)


# --- messages ----------------------------------------------------------------------------------------


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _day(value: str | None, name: str) -> date | None:
    if not _blank(value):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidInputError(f"{name} must be a date like 2026-01-31", location=name) from exc


def _partner_id(value: str | None) -> int | None:
    if not _blank(value):
        return None
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidInputError("partner must be a partner id", location="partner")
    return int(text)


def _choice(value: str | None, allowed: set[str], name: str) -> str | None:
    if not _blank(value):
        return None
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(sorted(allowed))}", location=name)
    return value


@router.get("/messages")
def messages(
    request: Request,
    principal: Signed,
    partner: str | None = None,
    message_id: str | None = None,
    po: str | None = None,
    control_number: str | None = None,
    status: str | None = None,
    direction: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> HTMLResponse:
    allow(principal, *EXCHANGE_READERS)
    first, last = _day(since, "since"), _day(until, "until")
    filters: dict[str, Any] = {
        "partner_id": _partner_id(partner),
        "message_id": _blank(message_id),
        "document_number": _blank(po),
        "control_number": _blank(control_number),
        "status": _choice(status, {s.value for s in ExchangeStatus}, "status"),
        "direction": _choice(direction, {d.value for d in Direction}, "direction"),
        "since": datetime.combine(first, time(0), tzinfo=UTC) if first else None,
        "until": datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC) if last else None,
    }
    for key, value in filters.items():
        if isinstance(value, str) and len(value) > 300:
            raise InvalidInputError(f"{key} is too long", location=key)
    with database_of(request).sessions() as session:
        found = audit_service.search_exchanges(session, limit=PAGE_SIZE, **filters)
        codes = service.partner_codes(session)
    query = {
        "partner": partner or "", "message_id": message_id or "", "po": po or "",
        "control_number": control_number or "", "status": status or "", "direction": direction or "",
        "since": since or "", "until": until or "",
    }  # fmt: skip
    return render(
        request, "messages.html", principal=principal, found=found, codes=codes, query=query,
        statuses=[s.value for s in ExchangeStatus], searched=any(v for v in query.values()),
    )  # fmt: skip


@router.get("/messages/{exchange_id}")
def message(request: Request, exchange_id: Id, principal: Signed, notice: str | None = None) -> HTMLResponse:
    allow(principal, *EXCHANGE_READERS)
    with database_of(request).sessions() as session:
        exchange = audit_service.get_exchange(session, exchange_id)
        documents = service.documents_of(session, exchange_id)
        acks = service.acks_of(session, exchange_id)
        context: dict[str, Any] = {
            "exchange": exchange,
            "partner_code": service.partner_codes(session, {exchange.partner_id}).get(exchange.partner_id),
            "steps": service.timeline(session, exchange),
            "documents": documents,
            "acks": acks,
            "records": audit_service.records_of(session, exchange_id),
            "jobs": service.jobs_of(session, [exchange_id, *(a.id for a in acks)], [d.id for d in documents]),
            "erp_jobs": {d.id: service.erp_job(session, d.id) for d in documents},
            "resendable": service.resendable(exchange),
            "notice": NOTICES.get(notice or ""),
        }
    return render(request, "message.html", principal=principal, **context)


@router.get("/messages/{exchange_id}/evidence")
def evidence(request: Request, exchange_id: Id, principal: Signed) -> Response:
    """The evidence bundle, exactly as ``GET /v1/exchanges/{id}/evidence`` (auditors; audited)."""
    allow(principal, *AUDITORS)
    with database_of(request).transaction() as session:
        bundle = audit_service.export_bundle(session, settings_of(request).resolved_archive_dir, exchange_id)
        audit(session, principal, "evidence.export", "exchange", exchange_id)
    disposition = f'attachment; filename="evidence-{exchange_id}.zip"'
    return Response(bundle, media_type="application/zip", headers={"Content-Disposition": disposition})


@router.get("/archive/{seq}")
def archive_record(request: Request, seq: Id, principal: Signed) -> HTMLResponse:
    """Archived bytes shown as text, as ``GET /v1/archive/records/{seq}/content`` (auditors; audited)."""
    allow(principal, *AUDITORS)
    root = settings_of(request).resolved_archive_dir
    with database_of(request).transaction() as session:
        record, _data = audit_service.record_content(session, root, seq)
        view = service.artefact(session, root, record, with_bytes=True)
        audit(session, principal, "archive.read", "archive_record", seq)
    return render(request, "archive.html", principal=principal, record=view, subject=record.subject_id)


# --- documents ---------------------------------------------------------------------------------------


@router.get("/documents/{document_id}")
def document(request: Request, document_id: Id, principal: Signed) -> HTMLResponse:
    allow(principal, *DOCUMENT_READERS)
    auditor = may(principal, *AUDITORS)
    root = settings_of(request).resolved_archive_dir
    with database_of(request).transaction() as session:
        doc, exchange = documents_service.get_document(session, document_id)
        records = audit_service.records_of(session, exchange.id)
        wire = [service.artefact(session, root, r, with_bytes=auditor) for r in records]
        acks = service.acks_of(session, exchange.id) if exchange.direction is Direction.INBOUND else []
        ack_views = [
            (ack, service.artefact(session, root, rec, with_bytes=auditor) if rec else None)
            for ack in acks
            for rec in [service.records_by_sha(session, ack.content_sha256)]
        ]
        if auditor:
            for view in [*wire, *(v for _, v in ack_views if v)]:
                audit(session, principal, "archive.read", "archive_record", view.seq)
        context: dict[str, Any] = {
            "doc": doc,
            "exchange": exchange,
            "partner_code": service.partner_codes(session, {doc.partner_id}).get(doc.partner_id),
            "wire": wire,
            "acks": ack_views,
            "reconciliations": reconciliation.reconciliation_of(session, document_id),
            "header": {
                k: v
                for k, v in doc.canonical.items()
                if v not in (None, "") and not isinstance(v, list | dict)
            },
            "lines": (lines := _lines(doc.canonical)),
            "columns": list(dict.fromkeys(key for row in lines for key in row)),
            "auditor": auditor,
        }
    return render(request, "document.html", principal=principal, **context)


def _lines(canonical: dict[str, Any]) -> list[dict[str, str]]:
    """Line items flattened for a table: nested objects as ``value unit`` text, empty fields left out."""
    rows = canonical.get("lines") or [i for o in canonical.get("orders", []) for i in o.get("items", [])]
    return [{key: text for key, value in row.items() if (text := _flat(value))} for row in rows]


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(text for v in value.values() if (text := _flat(v)))
    if isinstance(value, list):
        return "; ".join(text for item in value if (text := _flat(item)))
    return "" if value is None else str(value)


# --- partners ----------------------------------------------------------------------------------------


@router.get("/partners")
def partners(request: Request, principal: Signed, q: str | None = None) -> HTMLResponse:
    allow(principal, *PARTNER_READERS)
    query = (_blank(q) or "")[:100]
    with database_of(request).sessions() as session:
        rows = partners_repository.search(session, query or None, None, 500, 0)
    return render(request, "partners.html", principal=principal, partners=rows, q=query)


@router.get("/partners/{partner_id}")
def partner(request: Request, partner_id: Id, principal: Signed) -> HTMLResponse:
    allow(principal, *PARTNER_READERS)
    return _partner_with_report(request, partner_id, principal, None)


@router.get("/partners/{partner_id}/test")
def partner_test_confirm(request: Request, partner_id: Id, principal: Signed) -> HTMLResponse:
    allow(principal, *PARTNER_WRITERS)
    with database_of(request).sessions() as session:
        row = get_partner(session, partner_id)
    return render(
        request, "confirm.html", principal=principal, title="Send a test message",
        question=f"Check the settings and certificates of {row.code} and send it a test message?",
        action=f"{PREFIX}/partners/{partner_id}/test", back=f"{PREFIX}/partners/{partner_id}",
    )  # fmt: skip


@router.post("/partners/{partner_id}/test")
async def partner_test(request: Request, partner_id: Id, principal: Signed, _form: Form) -> HTMLResponse:
    """The onboarding check of ``POST /v1/admin/partners/{id}/test``, waiting a few seconds for delivery."""
    allow(principal, *PARTNER_WRITERS)
    report = await run_in_threadpool(
        run_check, database_of(request), settings_of(request), partner_id, TEST_WAIT_SECONDS, principal
    )
    return await run_in_threadpool(_partner_with_report, request, partner_id, principal, report)


def _partner_with_report(
    request: Request, partner_id: int, principal: Principal, report: Any
) -> HTMLResponse:
    with database_of(request).sessions() as session:
        row = get_partner(session, partner_id)
        certificates = [summary(c) | {"id": c.id} for c in certificates_of(session, partner_id=partner_id)]
        profile = profile_of(row)
    return render(
        request, "partner.html", principal=principal, partner=row, profile=profile, certificates=certificates,
        report=report,
    )  # fmt: skip


# --- operations --------------------------------------------------------------------------------------


@router.get("/jobs")
def jobs(request: Request, principal: Signed, status: str | None = None) -> HTMLResponse:
    allow(principal, *OPERATORS)
    chosen = _choice(status, {s.value for s in JobStatus}, "status")
    with database_of(request).sessions() as session:
        rows = service.list_jobs(session, JobStatus(chosen) if chosen else None)
    return render(request, "jobs.html", principal=principal, jobs=rows, selected=chosen or "")


def _back(request: Request) -> str:
    """Where Cancel goes: the console page the operator came from (never another site)."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc in ("", request.url.netloc)
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else "")) if same_site else PREFIX


def _action(name: str) -> tuple[str, str]:
    if name not in ACTIONS:
        raise NotFoundError(f"no action {name!r}")
    return ACTIONS[name]


@router.get("/actions/{name}/{object_id}")
def confirm_action(request: Request, name: str, object_id: Id, principal: Signed) -> HTMLResponse:
    allow(principal, *OPERATORS)
    title, noun = _action(name)
    return render(
        request, "confirm.html", principal=principal, title=title,
        question=f"{title}: {noun} {object_id}? This is recorded in the audit log.",
        action=f"{PREFIX}/actions/{name}/{object_id}", back=_back(request),
    )  # fmt: skip


@router.post("/actions/{name}/{object_id}")
def run_action(request: Request, name: str, object_id: Id, principal: Signed, _form: Form) -> Response:
    allow(principal, *OPERATORS)
    _action(name)
    with database_of(request).transaction() as session:
        if name == "resend":
            outbound_service.resend(session, settings_of(request), object_id, by=principal)
            target = f"{PREFIX}/messages/{object_id}"
        elif name == "replay":
            job = service.replay_job(session, object_id, principal)
            target = _job_page(session, job.subject_type, job.subject_id)
        else:
            service.redeliver(session, object_id, principal)
            doc, _exchange = documents_service.get_document(session, object_id)
            target = f"{PREFIX}/messages/{doc.exchange_id}"
    return RedirectResponse(f"{target}?notice={name}", status_code=303)


def _job_page(session: Any, subject_type: str | None, subject_id: int | None) -> str:
    if subject_type == "exchange" and subject_id is not None:
        return f"{PREFIX}/messages/{subject_id}"
    if subject_type == "document" and subject_id is not None:
        doc, _exchange = documents_service.get_document(session, subject_id)
        return f"{PREFIX}/messages/{doc.exchange_id}"
    return f"{PREFIX}/jobs"


# --- auditor -----------------------------------------------------------------------------------------


@router.get("/receipts")
def receipts(request: Request, principal: Signed, page: int = 0) -> HTMLResponse:
    allow(principal, *AUDITORS)
    page = max(0, min(page, 10_000))
    with database_of(request).sessions() as session:
        rows = service.receipts(session, PAGE_SIZE, page * PAGE_SIZE)
        codes = service.partner_codes(session)
    return render(request, "receipts.html", principal=principal, rows=rows, codes=codes, page=page)


def install(app: FastAPI) -> None:
    """Mount the console and its static files (served by the gateway itself, no CDN)."""
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")
