"""REST for partners (role ``partner`` only): submit EDI or canonical JSON, follow a message's status,
list and fetch the documents and acknowledgements addressed to the partner.

Every handler is scoped to the token's partner: another partner's ids answer 404, a disabled partner 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from gateway.auth.service import Principal
from gateway.config import Settings
from gateway.db import Database
from gateway.deps import DatabaseDep, Id, SettingsDep, require
from gateway.errors import InvalidInputError, PayloadTooLargeError
from gateway.models.auth import Role
from gateway.models.exchange import ExchangeStatus
from gateway.partner_api import repository, service
from gateway.partner_api.schemas import (
    MESSAGES_PATH,
    CanonicalOut,
    MessageStatusOut,
    MessageSummaryOut,
    OutboundDocumentOut,
    SubmittedOut,
)

router = APIRouter(prefix="/v1/partner", tags=["partner"])
PartnerPrincipal = Annotated[Principal, Depends(require(Role.PARTNER))]
Since = Annotated[AwareDatetime | None, Query(description="Created at or after (with a UTC offset)")]
AfterId = Annotated[int, Query(ge=0, le=2**63 - 1, description="Page after this id")]
Limit = Annotated[int, Query(ge=1, le=repository.MAX_LISTED)]
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or unknown token"},
    403: {"description": "not a partner token, or the partner is disabled"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such id for this partner"}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "description": "An X12 or EDIFACT interchange (exact bytes), or one canonical document as JSON",
        "content": {
            "application/edi-x12": _BINARY,
            "application/edifact": _BINARY,
            "application/octet-stream": _BINARY,
            "application/json": {"schema": {"type": "object", "description": "A canonical document"}},
        },
    }
}


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, refused once it passes ``limit`` bytes (also for chunked bodies without a length)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the message exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _submit(
    db: Database, settings: Settings, principal: Principal, submission: service.Submission
) -> Response:
    with db.transaction() as session:
        partner = service.partner_of(session, principal)
        done = service.submit(session, settings, partner, submission)
        out = SubmittedOut(
            exchange_id=done.exchange.id,
            message_id=done.exchange.message_id,
            duplicate=done.duplicate,
            status=done.exchange.status.value,
            status_url=f"{MESSAGES_PATH}/{done.exchange.id}",
        )
    status = 200 if done.duplicate else 202
    return Response(out.model_dump_json(), status, {"Location": out.status_url}, "application/json")


@router.post(
    "/messages",
    summary="Submit an EDI interchange or a canonical document",
    status_code=202,
    openapi_extra=_SUBMIT_BODY,
    response_model=SubmittedOut,
    responses={
        **_ERRORS,
        200: {"description": "a repeat of an earlier message id: the stored exchange", "model": SubmittedOut},
        409: {"description": "the Idempotency-Key was used for different content"},
        413: {"description": "the body exceeds the size limit"},
        415: {"description": "unsupported Content-Type"},
        422: {"description": "not an EDI interchange or not a valid canonical document"},
    },
)
async def submit_message(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: PartnerPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN, description="Your message id"),
    ] = None,
) -> Response:
    """Submit a message. It is committed and archived before the 202; translation, duplicate checks,
    the functional acknowledgement and ERP delivery follow (see the status URL)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    content = await _read_capped(request, settings.max_request_bytes)
    if not content:
        raise InvalidInputError("the message is empty")
    submission = service.Submission(content, media_type, idempotency_key)
    return await run_in_threadpool(_submit, db, settings, principal, submission)


@router.get(
    "/messages/{exchange_id}", summary="Status of one of your messages", responses={**_ERRORS, **_NOT_FOUND}
)
def message_status(exchange_id: Id, db: DatabaseDep, principal: PartnerPrincipal) -> MessageStatusOut:
    """Status of one of your inbound messages: errors with their locations, documents, acknowledgements."""
    with db.transaction() as session:
        partner = service.partner_of(session, principal)
        exchange = repository.inbound(session, partner.id, exchange_id)
        documents = repository.documents_of(session, exchange.id)
        return MessageStatusOut.of(exchange, documents, repository.acks_of(session, partner.id, exchange.id))


@router.get("/messages", summary="Your inbound messages", responses=_ERRORS)
def list_messages(
    db: DatabaseDep,
    principal: PartnerPrincipal,
    status: Annotated[
        Literal["received", "processed", "partial", "rejected"] | None, Query(description="Processing state")
    ] = None,
    since: Since = None,
    after_id: AfterId = 0,
    limit: Limit = 100,
) -> list[MessageSummaryOut]:
    """Messages you sent (REST, SFTP or AS2), oldest first; follow ``status_url`` for details."""
    with db.transaction() as session:
        partner = service.partner_of(session, principal)
        rows = repository.inbound_list(
            session,
            partner.id,
            status=ExchangeStatus(status) if status else None,
            since=_utc(since),
            after_id=after_id,
            limit=limit,
        )
        return [MessageSummaryOut.of(e) for e in rows]


def _utc(since: datetime | None) -> datetime | None:
    try:
        return since.astimezone(UTC) if since is not None else None
    except (OverflowError, ValueError) as exc:
        raise InvalidInputError("since is out of range") from exc


@router.get("/documents", summary="Documents and acknowledgements addressed to you", responses=_ERRORS)
def list_documents(
    db: DatabaseDep,
    principal: PartnerPrincipal,
    status: Annotated[
        Literal["ready", "sent", "failed"] | None,
        Query(description="ready = not fetched yet, sent = fetched"),
    ] = None,
    since: Since = None,
    after_id: AfterId = 0,
    limit: Limit = 100,
) -> list[OutboundDocumentOut]:
    """Documents and acknowledgements addressed to you over REST, oldest first."""
    with db.transaction() as session:
        partner = service.partner_of(session, principal)
        rows = repository.outbound_list(
            session,
            partner.id,
            status=ExchangeStatus(status) if status else None,
            since=_utc(since),
            after_id=after_id,
            limit=limit,
        )
        return [OutboundDocumentOut.of(e) for e in rows]


@router.get(
    "/documents/{exchange_id}",
    summary="Fetch a document's EDI bytes (marks it fetched)",
    response_class=Response,
    responses={
        **_ERRORS,
        **_NOT_FOUND,
        200: {
            "description": "the exact bytes rendered for you",
            "content": {"application/octet-stream": _BINARY},
        },
    },
)
def fetch_document(
    exchange_id: Id, db: DatabaseDep, settings: SettingsDep, principal: PartnerPrincipal
) -> Response:
    """The rendered EDI bytes exactly as archived; the first fetch marks the document sent."""
    with db.transaction() as session:
        partner = service.partner_of(session, principal)
        exchange, content = service.fetch(session, settings, partner, exchange_id)
        headers = {
            "Content-Disposition": f'attachment; filename="{exchange.filename or f"{exchange.id}.edi"}"',
            "ETag": f'"{exchange.content_sha256}"',
        }
        media_type = exchange.content_type or "application/octet-stream"
    return Response(content, 200, headers, media_type)


@router.get(
    "/documents/{exchange_id}/canonical",
    summary="A document's canonical JSON",
    responses={**_ERRORS, **_NOT_FOUND},
)
def canonical_document(
    exchange_id: Id, db: DatabaseDep, settings: SettingsDep, principal: PartnerPrincipal
) -> CanonicalOut:
    """The canonical JSON behind a document (for an acknowledgement, the FunctionalAck it carries)."""
    with db.transaction() as session:
        partner = service.partner_of(session, principal)
        documents = service.canonical_documents(session, settings, partner, exchange_id)
    if not documents:
        raise service.NoCanonicalError(f"document {exchange_id} has no canonical form")
    return CanonicalOut(exchange_id=exchange_id, documents=documents)
