"""Killing the API in the middle of AS2 traffic loses nothing it acknowledged: every message whose MDN
went out is recorded and archived (wire bytes, signed entity, payload and MDN readable, the chain whole)
after the crash, and sending every message again gets the very MDN it got (or, for one whose answer
was cut off, a processed one), with exactly one exchange per Message-ID.

The API runs as real processes (SQLite, two processes sharing group commits and flushes) and is killed
with SIGKILL while eight clients post signed and encrypted messages asking for signed sync MDNs."""

from __future__ import annotations

import http.client
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.archive.blobs import get_blob
from gateway.archive.chain import verify
from gateway.as2 import OutboundMessage
from gateway.config import Settings
from gateway.db import get_database
from gateway.models import ArchiveRecord, Exchange
from tests.conftest import free_port
from tests.gateway.as2.keys import make_identity
from tests.integration.as2_pair import messages, onboard
from tests.integration.processes import Child, start, wait_until

pytestmark = pytest.mark.integration

MESSAGES = 400
CLIENTS = 8
KILL_AFTER = 60  # acknowledged messages before the kill


def _post(port: int, message: OutboundMessage) -> bytes | None:
    """The sync MDN, or None when the request failed (the server went away)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/as2", body=message.body, headers=dict(message.headers))
        response = conn.getresponse()
        body = response.read()
        return body if response.status == 200 else None
    except (OSError, http.client.HTTPException):  # refused, reset, or cut off mid-answer
        return None
    finally:
        conn.close()


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _api(settings: Settings, log_dir: Path, children: list[Child]) -> Child:
    api = start("api", ["api"], settings, log_dir)
    children.append(api)
    wait_until(lambda: _healthy(settings.http_port), 60, "the API to answer /health", [api])
    return api


def _message_id(message: OutboundMessage) -> str:
    return dict(message.headers)["Message-ID"].strip("<>")


def test_a_killed_api_loses_no_acknowledged_message(tmp_path: Path, children: list[Child]) -> None:
    us, partner = make_identity("gateway", tmp_path / "keys"), make_identity("partner", tmp_path / "keys")
    settings = Settings(data_dir=tmp_path / "var", http_port=free_port(), http_workers=2)
    onboard(settings, us, partner)
    sent = messages(us, partner, MESSAGES, "kill")
    api = _api(settings, tmp_path, children)

    acknowledged: dict[int, bytes] = {}
    enough = threading.Event()

    def post(index: int) -> None:
        if enough.is_set():
            return
        mdn = _post(settings.http_port, sent[index])
        if mdn is not None:
            acknowledged[index] = mdn
            if len(acknowledged) >= KILL_AFTER:
                enough.set()

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(post, n) for n in range(MESSAGES)]
        assert enough.wait(120), "the API acknowledged too few messages before the kill"
        api.kill_group(signal.SIGKILL)  # requests in flight are cut off mid-way
        for future in futures:
            future.result()
    assert all(b"; processed" in mdn and b"processed/" not in mdn for mdn in acknowledged.values())

    db = get_database(settings)
    with db.sessions() as session:
        for index, mdn in acknowledged.items():
            exchange = session.scalar(select(Exchange).where(Exchange.message_id == _message_id(sent[index])))
            assert exchange is not None, f"message {index} was acknowledged but is not recorded"
            records = session.scalars(
                select(ArchiveRecord).where(ArchiveRecord.subject_id == exchange.id)
            ).all()
            contents = {
                r.kind: get_blob(session, settings.resolved_archive_dir, r.content_sha256) for r in records
            }
            assert contents["as2-wire-in"] == sent[index].body
            assert contents["as2-mdn-out"] == mdn
            assert contents["as2-inbound"] == get_blob(
                session, settings.resolved_archive_dir, exchange.content_sha256
            )
            assert "as2-signed-entity" in contents
        report = verify(session, settings.resolved_archive_dir)
    assert report.ok, report.broken

    _api(settings, tmp_path, children)  # restarted on the same data
    with ThreadPoolExecutor(CLIENTS) as pool:
        again = list(pool.map(lambda m: _post(settings.http_port, m), sent))
    for index, mdn in enumerate(again):
        assert mdn is not None, f"message {index} was refused after the restart"
        if index in acknowledged:
            assert mdn == acknowledged[index], f"message {index} got another MDN than the first time"
        else:
            assert b"; processed" in mdn and b"processed/" not in mdn
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Exchange)) == MESSAGES
        assert verify(session, settings.resolved_archive_dir).ok
