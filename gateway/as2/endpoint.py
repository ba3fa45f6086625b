"""``POST /as2``: the AS2 receiving endpoint. Authentication is the message's own signature and the
partnership it names; the body is read with a hard cap before anything else happens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from gateway.archive.chain import append
from gateway.as2.mime import Headers
from gateway.as2.receive import Reply, is_mdn, receive
from gateway.config import Settings
from gateway.db import Database
from gateway.errors import PayloadTooLargeError
from gateway.outbound.service import handle_incoming_mdn

router = APIRouter(tags=["as2"])


async def _read_capped(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"AS2 body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _handle(db: Database, settings: Settings, headers: list[tuple[str, str]], body: bytes) -> Reply:
    http = Headers.of(headers)
    if is_mdn(http, body):
        with db.transaction() as session:
            if not handle_incoming_mdn(session, settings, headers, body):
                meta = {"headers": [[n, v] for n, v in http.items()], "matched": False}
                append(session, settings.resolved_archive_dir, "as2-mdn-in-unmatched", body, meta=meta)
            return Reply(200)
    return receive(db, settings, headers, body)[1]


@router.post(
    "/as2",
    summary="Receive an AS2 message (RFC 4130) or an asynchronous MDN",
    responses={
        200: {"description": "sync MDN, or empty for async/no MDN"},
        413: {"description": "too large"},
    },
)
async def as2_inbound(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    body = await _read_capped(request, settings.as2_max_body_bytes)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
    reply = await run_in_threadpool(_handle, request.app.state.db, settings, headers, body)
    return Response(content=reply.body, status_code=reply.status, headers=dict(reply.headers))
