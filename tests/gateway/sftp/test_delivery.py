"""Outbound to partners that pick files up from our server: ``sftp.push_file`` writes into their
``outbox/`` atomically; sealed client credentials; account lookup by SFTP username."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.maintenance.schedule import schedule_due
from gateway.models import JobStatus, OutboxJob
from gateway.models.partner import Partner, PartnerIdentityKey
from gateway.outbox import run_job
from gateway.sftp import tasks
from gateway.sftp.accounts import find_account
from gateway.sftp.credentials import generate_client_key, import_client_key, load_client_key
from gateway.sftp.errors import ClientKeyMissingError, InvalidClientKeyError, UnsafeFileNameError
from gateway.sftp.layout import write_to_outbox
from gateway.sftp.service import enqueue_delivery
from partners.errors import DuplicateIdentityError
from partners.profile import parse_profile
from tests.gateway.sftp.helpers import add_partner, free_port, new_key, sftp_profile
from tests.partners.factories import ed25519_line


@pytest.fixture
def task_settings(sftp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(tasks, "get_settings", lambda: sftp_settings)
    return sftp_settings


def test_push_file_for_a_partner_without_a_server_lands_in_its_outbox(task_settings: Settings) -> None:
    partner_id = add_partner(task_settings, sftp_profile("acme", inbound_keys=[ed25519_line()]))
    with get_database(task_settings).transaction() as session:
        job_id = enqueue_delivery(session, task_settings, partner_id, "997-0001.edi", b"ISA*997~").id
    assert run_job(task_settings, job_id, tasks.push_file)
    outbox = task_settings.resolved_sftp_root / "acme" / "outbox"
    assert [p.name for p in outbox.iterdir()] == ["997-0001.edi"], "no temp file is left behind"
    assert (outbox / "997-0001.edi").read_bytes() == b"ISA*997~"
    assert run_job(task_settings, job_id, tasks.push_file) is False, "a second delivery of the job is a no-op"


def test_push_file_for_a_partner_without_sftp_is_dead_at_once(task_settings: Settings) -> None:
    partner_id = add_partner(task_settings, {"code": "plain", "name": "No SFTP"})
    with get_database(task_settings).transaction() as session:
        job_id = enqueue_delivery(session, task_settings, partner_id, "x.edi", b"x").id
    assert not run_job(task_settings, job_id, tasks.push_file)
    with get_database(task_settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None and job.status is JobStatus.DEAD
        assert "no SFTP transport" in (job.last_error or "")


@pytest.mark.parametrize("name", ["../x.edi", "a/b.edi", "", "..", "bad\x00.edi", "x" * 256])
def test_unsafe_outbox_names_are_refused(sftp_settings: Settings, name: str) -> None:
    with pytest.raises(UnsafeFileNameError):
        write_to_outbox(sftp_settings, "acme", name, b"x")
    assert not list((sftp_settings.resolved_sftp_root / "acme" / "outbox").iterdir())


def test_client_keys_are_sealed_at_rest(sftp_settings: Settings, tmp_path: Path) -> None:
    public = generate_client_key(sftp_settings, "sftp/acme")
    assert public.startswith("ssh-ed25519 ")
    [stored] = (sftp_settings.data_dir / "sftp_secrets").iterdir()
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert b"OPENSSH PRIVATE KEY" not in stored.read_bytes()
    assert load_client_key(sftp_settings, "sftp/acme").get_base64() == public.split()[1]
    with pytest.raises(ClientKeyMissingError):
        load_client_key(sftp_settings, "sftp/other")
    existing = new_key(tmp_path, "existing")
    assert (
        import_client_key(sftp_settings, "sftp/imported", existing.private.read_bytes())
        == existing.public_line
    )
    with pytest.raises(InvalidClientKeyError):
        import_client_key(sftp_settings, "sftp/bad", b"not a key")


def test_account_lookup_is_by_username_among_enabled_partners(sftp_settings: Settings) -> None:
    key = ed25519_line()
    add_partner(sftp_settings, sftp_profile("acme", inbound_keys=[key]))
    add_partner(sftp_settings, sftp_profile("beta", inbound_keys=[ed25519_line()]) | {"enabled": False})
    with get_database(sftp_settings).sessions() as session:
        account = find_account(session, "acme")
        assert account is not None and account.partner_code == "acme"
        assert account.authorized_keys[0].key_base64 == key.split()[1]
        assert find_account(session, "beta") is None, "a disabled partner has no login"
        assert find_account(session, "nobody") is None


def test_a_second_partner_cannot_take_a_login_and_a_shared_one_logs_nobody_in(
    sftp_settings: Settings,
) -> None:
    add_partner(sftp_settings, sftp_profile("acme", inbound_keys=[ed25519_line()]))
    twin = sftp_profile("acme-two", inbound_keys=[ed25519_line()])
    twin["transports"]["sftp"]["inbound"]["username"] = "acme"
    with pytest.raises(DuplicateIdentityError) as refused:
        add_partner(sftp_settings, twin)
    (error,) = refused.value.errors
    assert error.path == "transports.sftp.inbound.username"
    assert error.message == "SFTP username 'acme' is already used by partner acme"
    # partners stored before logins were reserved may share one (migration 0010 keyed both): nobody gets in
    profile = parse_profile(twin).model_dump(mode="json")
    with get_database(sftp_settings).transaction() as session:
        stored = Partner(code="acme-two", name="Acme two", enabled=True, version=1, profile=profile)
        session.add(stored)
        session.flush()
        session.add(PartnerIdentityKey(partner_id=stored.id, kind="sftp", key="acme"))
    with get_database(sftp_settings).sessions() as session:
        assert find_account(session, "acme") is None
        assert session.scalars(select(OutboxJob)).all() == []


def test_the_relay_schedule_queues_due_pulls(task_settings: Settings) -> None:
    outbound = {
        "host": "sftp.partner.example.com",
        "username": "gateway",
        "host_key": ed25519_line(),
        "client_key_ref": "sftp/acme",
        "download_dir": "/out",
        "poll_interval_seconds": 300,
    }
    partner_id = add_partner(task_settings, sftp_profile("acme", outbound=outbound))
    add_partner(task_settings, sftp_profile("beta", inbound_keys=[ed25519_line()]))
    db = get_database(task_settings)
    schedule_due(db, task_settings)
    with db.sessions() as session:
        [tick] = session.scalars(select(OutboxJob).where(OutboxJob.task == "sftp.schedule_pulls"))
    assert run_job(task_settings, tick.id, tasks.schedule_pulls)
    with db.sessions() as session:
        pulls = list(session.scalars(select(OutboxJob).where(OutboxJob.task == "sftp.pull_partner")))
    assert [(p.subject_type, p.subject_id, p.status) for p in pulls] == [
        ("partner", partner_id, JobStatus.PENDING)
    ], "one pull for the partner with a download_dir, none for the inbound-only one"


def test_an_unreachable_partner_server_is_retried_with_backoff(task_settings: Settings) -> None:
    outbound = {
        "host": "127.0.0.1",
        "port": free_port(),
        "allow_private_network": True,
        "username": "gateway",
        "host_key": ed25519_line(),
        "client_key_ref": "sftp/acme",
    }
    partner_id = add_partner(task_settings, sftp_profile("acme", outbound=outbound))
    with get_database(task_settings).transaction() as session:
        job_id = enqueue_delivery(session, task_settings, partner_id, "850-1.edi", b"ISA*850~").id
    assert not run_job(task_settings, job_id, tasks.push_file)
    with get_database(task_settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        assert (job.status, job.attempts) == (JobStatus.PENDING, 1), "a network error is worth a retry"
        assert "cannot connect to 127.0.0.1" in (job.last_error or "")
        assert job.started_at is not None and job.available_at > job.started_at, "after a backoff"


def test_partners_stored_before_logins_were_keyed_still_log_in_after_the_upgrade(settings: Settings) -> None:
    upgrade(settings, "0009")
    profile = parse_profile(sftp_profile("acme", inbound_keys=[ed25519_line()])).model_dump(mode="json")
    with get_database(settings).transaction() as session:  # as the code before migration 0010 stored it
        session.add(Partner(code="acme", name="Acme", enabled=True, version=1, profile=profile))
    with get_database(settings).sessions() as session:
        assert session.scalars(select(PartnerIdentityKey)).all() == []
    upgrade(settings)
    with get_database(settings).sessions() as session:
        account = find_account(session, "acme")
        assert account is not None and account.partner_code == "acme"
