"""SFTP intake on PostgreSQL: two watchers (two sftp-server replicas sharing the folders) racing for the
same inbox files take each exactly once, without notes or errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models.exchange import Exchange
from gateway.sftp.layout import ensure_partner_dirs
from gateway.sftp.service import Taken
from gateway.sftp.watcher import InboxWatcher
from tests.gateway.sftp.helpers import add_partner, sftp_profile
from tests.partners.factories import ed25519_line

pytestmark = pytest.mark.integration

FILES = 12
REPLICAS = 2


def test_two_watchers_take_each_file_once(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=pg_url, sftp_settle_seconds=0.0)
    upgrade(settings)
    add_partner(settings, sftp_profile("acme", inbound_keys=[ed25519_line()]))
    inbox = ensure_partner_dirs(settings, "acme") / "inbox"
    for number in range(FILES):
        (inbox / f"PO-{number:03}.edi").write_bytes(f"ISA*{number}~".encode())

    start = threading.Barrier(REPLICAS)
    outcomes: list[list[Taken]] = [[] for _ in range(REPLICAS)]
    failures: list[BaseException] = []

    def replica(index: int) -> None:
        watcher = InboxWatcher(settings)
        start.wait()
        try:
            outcomes[index] = watcher.scan(0.0)
        except BaseException as exc:  # reported below with the test's assertion
            failures.append(exc)

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert all(t.error is None for taken in outcomes for t in taken), "no .error notes from the race"
    assert list(inbox.iterdir()) == []
    archive = inbox.parent / "archive"
    assert sorted(p.name for p in archive.iterdir()) == [f"PO-{n:03}.edi" for n in range(FILES)]
    with get_database(settings).sessions() as session:
        names = list(session.scalars(select(Exchange.filename)))
    assert sorted(names) == [f"PO-{n:03}.edi" for n in range(FILES)], "one exchange per file"
