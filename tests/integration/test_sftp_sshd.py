"""The SFTP client against OpenSSH ``sshd`` (started here on a loopback port with its own config): push
with temp name + rename, pull into accept() with removal only after commit, pinned host keys (a changed
key is refused naming both fingerprints, before any credential is sent), and the same through the
``sftp.*`` job handlers and their retry/dead states."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import get_database
from gateway.inbound.service import AcceptResult, Received, accept
from gateway.models import JobStatus, OutboxJob
from gateway.models.exchange import Exchange
from gateway.models.partner import Partner
from gateway.outbox import run_job
from gateway.sftp import tasks, transfer
from gateway.sftp.credentials import generate_client_key
from gateway.sftp.errors import HostKeyMismatchError
from gateway.sftp.service import enqueue_delivery
from gateway.sftp.transfer import REMOVE_TASK, enqueue_due_pulls, fetch, import_fetched, push
from partners.ssh_keys import ssh_fingerprint
from tests.gateway.sftp.helpers import Sshd, add_partner, running_sshd, sftp_profile
from tests.partners.factories import ed25519_line

pytestmark = pytest.mark.integration

CLIENT_KEY_REF = "sftp/acme-client"


@pytest.fixture
def settings_with_key(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = migrated.model_copy(update={"sftp_timeout_seconds": 10.0})
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    return settings


@pytest.fixture
def sshd(settings_with_key: Settings, tmp_path: Path) -> Iterator[Sshd]:
    public = generate_client_key(settings_with_key, CLIENT_KEY_REF)
    with running_sshd(tmp_path / "sshd", [public]) as server:
        for folder in ("upload", "download"):
            (server.root / folder).mkdir()
        yield server


def _outbound(sshd: Sshd, **overrides: Any) -> dict[str, Any]:
    settings = {
        "host": "127.0.0.1",
        "port": sshd.port,
        "allow_private_network": True,
        "username": sshd.user,
        "host_key": sshd.host_key_line,
        "client_key_ref": CLIENT_KEY_REF,
        "upload_dir": str(sshd.root / "upload"),
        "download_dir": str(sshd.root / "download"),
        "poll_interval_seconds": 60,
    }
    return settings | overrides


def _partner(settings: Settings, sshd: Sshd, **overrides: Any) -> Partner:
    partner_id = add_partner(settings, sftp_profile("acme", outbound=_outbound(sshd, **overrides)))
    with get_database(settings).sessions() as session:
        partner = session.get(Partner, partner_id)
        assert partner is not None
        return partner


def _jobs(settings: Settings, task: str) -> list[OutboxJob]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(OutboxJob).where(OutboxJob.task == task).order_by(OutboxJob.id)))


def test_push_uploads_under_a_temp_name_and_renames(settings_with_key: Settings, sshd: Sshd) -> None:
    partner = _partner(settings_with_key, sshd)
    where = push(settings_with_key, partner, "PO-1001.edi", b"ISA*00*push~")
    upload = sshd.root / "upload"
    assert (upload / "PO-1001.edi").read_bytes() == b"ISA*00*push~"
    assert sorted(p.name for p in upload.iterdir()) == ["PO-1001.edi"], "no temp file left behind"
    assert where.endswith("/upload/PO-1001.edi")
    push(settings_with_key, partner, "PO-1001.edi", b"ISA*00*push~")  # a retry overwrites the same bytes
    assert (upload / "PO-1001.edi").read_bytes() == b"ISA*00*push~"


def test_a_changed_host_key_is_refused_with_both_fingerprints(
    settings_with_key: Settings, sshd: Sshd
) -> None:
    pinned = ed25519_line(comment="")
    partner = _partner(settings_with_key, sshd, host_key=pinned)
    with pytest.raises(HostKeyMismatchError) as refused:
        push(settings_with_key, partner, "PO-1.edi", b"data")
    expected = ssh_fingerprint(pinned.split()[1])
    offered = ssh_fingerprint(sshd.host_key_line.split()[1])
    assert f"expected {expected}" in refused.value.message
    assert f"server offered {offered}" in refused.value.message
    assert list((sshd.root / "upload").iterdir()) == []
    log = (sshd.root / "sshd.log").read_text()
    assert "Accepted publickey" not in log and "Failed publickey" not in log, "no login was attempted"


def test_push_file_job_delivers_and_a_changed_key_makes_it_dead(
    settings_with_key: Settings, sshd: Sshd
) -> None:
    settings = settings_with_key
    good = _partner(settings, sshd)
    db = get_database(settings)
    with db.transaction() as session:
        job_id = enqueue_delivery(session, settings, good.id, "ORDERS-7.edi", b"UNB+UNOC:3'").id
    assert run_job(settings, job_id, tasks.push_file)
    assert (sshd.root / "upload" / "ORDERS-7.edi").read_bytes() == b"UNB+UNOC:3'"

    with db.transaction() as session:
        partner = session.get(Partner, good.id)
        assert partner is not None
        partner.profile = sftp_profile("acme", outbound=_outbound(sshd, host_key=ed25519_line()))
        job_id = enqueue_delivery(session, settings, good.id, "ORDERS-8.edi", b"UNB+UNOC:3+8'").id
    assert not run_job(settings, job_id, tasks.push_file)
    with db.sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        assert job.status is JobStatus.DEAD, "retrying cannot fix a changed host key"
        assert "does not match the pinned key" in (job.last_error or "")
    assert not (sshd.root / "upload" / "ORDERS-8.edi").exists()


def test_pull_accepts_files_and_removes_them_only_after_commit(
    settings_with_key: Settings, sshd: Sshd
) -> None:
    settings = settings_with_key
    partner = _partner(settings, sshd)
    download = sshd.root / "download"
    (download / "DESADV-1.edi").write_bytes(b"UNB+DESADV-1'")
    (download / "DESADV-2.edi").write_bytes(b"UNB+DESADV-2'")
    (download / "DESADV-3.edi.part").write_bytes(b"still uploading")

    with get_database(settings).transaction() as session:
        assert enqueue_due_pulls(session, settings, now=120.0) == 1
        assert enqueue_due_pulls(session, settings, now=150.0) == 0, "one pull per poll interval"
    [pull_job] = _jobs(settings, "sftp.pull_partner")
    assert run_job(settings, pull_job.id, tasks.pull_partner)

    with get_database(settings).sessions() as session:
        exchanges = list(session.scalars(select(Exchange).order_by(Exchange.filename)))
    assert [(e.filename, e.transport, e.partner_id) for e in exchanges] == [
        ("DESADV-1.edi", "sftp", partner.id),
        ("DESADV-2.edi", "sftp", partner.id),
    ]
    assert exchanges[0].meta["remote_path"] == str(download / "DESADV-1.edi")
    assert (download / "DESADV-1.edi").exists(), "removal waits for its own job, after the commit"
    removals = _jobs(settings, REMOVE_TASK)
    assert len(removals) == 2
    for job in removals:
        assert run_job(settings, job.id, tasks.remove_remote_file)
    assert sorted(p.name for p in download.iterdir()) == ["DESADV-3.edi.part"]


def test_a_pull_that_dies_before_commit_imports_and_removes_nothing(
    settings_with_key: Settings, sshd: Sshd
) -> None:
    settings = settings_with_key
    partner = _partner(settings, sshd)
    download = sshd.root / "download"
    (download / "DESADV-9.edi").write_bytes(b"UNB+DESADV-9'")

    def dies(session: Session, settings: Settings, received: Received) -> AcceptResult:
        accept(session, settings, received)
        raise SystemExit("worker killed mid-pull")

    fetched = fetch(settings, partner)
    with pytest.raises(SystemExit), get_database(settings).transaction() as session:
        import_fetched(session, settings, partner, fetched, dies)
    with get_database(settings).sessions() as session:
        assert session.scalars(select(Exchange)).all() == []
    assert _jobs(settings, REMOVE_TASK) == []
    assert (download / "DESADV-9.edi").exists()

    with get_database(settings).transaction() as session:
        report = import_fetched(session, settings, partner, fetch(settings, partner), accept)
    assert [r.duplicate for r in report.accepted] == [False]


def test_a_file_changed_after_its_import_is_not_removed(settings_with_key: Settings, sshd: Sshd) -> None:
    settings = settings_with_key
    partner = _partner(settings, sshd)
    path = sshd.root / "download" / "ORDRSP-1.edi"
    path.write_bytes(b"first version")
    with get_database(settings).transaction() as session:
        import_fetched(session, settings, partner, fetch(settings, partner), accept)
    path.write_bytes(b"second, longer version")
    [removal] = _jobs(settings, REMOVE_TASK)
    assert run_job(settings, removal.id, tasks.remove_remote_file)
    assert path.read_bytes() == b"second, longer version"


def test_a_long_download_dir_is_pulled_in_batches(
    settings_with_key: Settings, sshd: Sshd, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_with_key
    _partner(settings, sshd)
    monkeypatch.setattr(transfer, "PULL_BATCH", 1)
    for number in (1, 2):
        (sshd.root / "download" / f"ORDRSP-{number}.edi").write_bytes(f"UNB+{number}'".encode())
    with get_database(settings).transaction() as session:
        enqueue_due_pulls(session, settings, now=0.0)
    [first] = _jobs(settings, "sftp.pull_partner")
    assert run_job(settings, first.id, tasks.pull_partner)
    _, follow_up = _jobs(settings, "sftp.pull_partner")
    assert follow_up.status is JobStatus.PENDING
    assert (follow_up.dedup_key or "").endswith(f":after:{first.id}")
    assert run_job(settings, follow_up.id, tasks.pull_partner)
    with get_database(settings).sessions() as session:
        names = sorted(session.scalars(select(Exchange.filename)))
    assert names == ["ORDRSP-1.edi", "ORDRSP-2.edi"]
    assert len(_jobs(settings, "sftp.pull_partner")) == 2, "the second batch was the last"
    with get_database(settings).sessions() as session:
        duplicates = sum(session.scalars(select(Exchange.duplicate_count)))
    assert duplicates == 0, "a file awaiting its removal is not downloaded again"


def test_a_pull_meeting_a_changed_host_key_is_dead_and_touches_nothing(
    settings_with_key: Settings, sshd: Sshd
) -> None:
    settings = settings_with_key
    _partner(settings, sshd, host_key=ed25519_line())
    (sshd.root / "download" / "ORDRSP-5.edi").write_bytes(b"UNB+5'")
    with get_database(settings).transaction() as session:
        enqueue_due_pulls(session, settings, now=0.0)
    [job] = _jobs(settings, "sftp.pull_partner")
    assert not run_job(settings, job.id, tasks.pull_partner)
    [dead] = _jobs(settings, "sftp.pull_partner")
    assert dead.status is JobStatus.DEAD and dead.attempts == 1
    assert "does not match the pinned key" in (dead.last_error or "")
    assert (sshd.root / "download" / "ORDRSP-5.edi").exists()
    with get_database(settings).sessions() as session:
        assert session.scalars(select(Exchange)).all() == []
