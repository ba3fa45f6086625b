"""Periodic jobs are scheduled once per period whatever the number of relays; the certificate check
finds what expires."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database
from gateway.maintenance.schedule import schedule_due
from gateway.maintenance.tasks import check_certificate_expiry, prune_periodic_jobs
from gateway.models import JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.onboarding.service import create_partner
from gateway.outbox import run_job
from partners.keys import CertificateUsage
from tests.partners.certs import make_cert, rsa_key
from tests.partners.factories import profile_data


def _jobs(settings: Settings) -> list[OutboxJob]:
    with get_database(settings).sessions() as session:
        return list(
            session.scalars(select(OutboxJob).where(OutboxJob.task == "maintenance.check_certificate_expiry"))
        )


def test_one_job_per_period_whatever_the_number_of_relays(migrated: Settings) -> None:
    db = get_database(migrated)
    day_one = dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC)
    for _relay in range(3):
        schedule_due(db, migrated, day_one)
        schedule_due(db, migrated, day_one + dt.timedelta(hours=20))
    assert len(_jobs(migrated)) == 1
    schedule_due(db, migrated, day_one + dt.timedelta(days=1))
    assert len(_jobs(migrated)) == 2


def test_expiry_check_warns_about_each_certificate(
    migrated: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    now = utcnow()
    soon = make_cert(
        "soon",
        key=rsa_key(2048, 21),
        not_before=now - dt.timedelta(days=300),
        not_after=now + dt.timedelta(days=6),
    )
    later = make_cert(
        "later",
        key=rsa_key(2048, 22),
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=200),
    )
    with get_database(migrated).transaction() as session:
        partner_id = create_partner(session, profile_data()).id
        for cert in (soon, later):
            pem = cert.public_bytes(serialization.Encoding.PEM)
            certs.import_partner_certificate(session, partner_id, pem, frozenset({CertificateUsage.SIGN}))
    schedule_due(get_database(migrated), migrated)
    [job] = _jobs(migrated)
    with caplog.at_level(logging.WARNING, logger="gateway.maintenance.tasks"):
        assert run_job(migrated, job.id, check_certificate_expiry)
    assert [r.getMessage() for r in caplog.records] == [
        f"certificate CN=soon,O=Test of partner {partner_id} expires in 5 days"
    ]
    assert _jobs(migrated)[0].args["warnings"] == 1


def test_finished_periodic_runs_are_pruned_after_two_days(migrated: Settings) -> None:
    now = utcnow()
    old, recent = now - dt.timedelta(days=3), now - dt.timedelta(hours=5)
    rows = {
        "old periodic": ("periodic:sftp.schedule_pulls:1", JobStatus.DONE, old),
        "recent periodic": ("periodic:sftp.schedule_pulls:2", JobStatus.DONE, recent),
        "old periodic, dead": ("periodic:sftp.schedule_pulls:3", JobStatus.DEAD, old),
        "old document job": ("inbound.process_exchange:7", JobStatus.DONE, old),
    }
    with get_database(migrated).transaction() as session:
        for key, status, finished in rows.values():
            task = key.split(":")[-2] if key.startswith("periodic") else "inbound.process_exchange"
            job = OutboxJob(task=task, queue="q", dedup_key=key, status=status, max_attempts=3)
            job.finished_at = finished
            session.add(job)
    schedule_due(get_database(migrated), migrated)
    with get_database(migrated).sessions() as session:
        [prune] = session.scalars(
            select(OutboxJob).where(OutboxJob.task == "maintenance.prune_periodic_jobs")
        )
    assert run_job(migrated, prune.id, prune_periodic_jobs)
    with get_database(migrated).sessions() as session:
        kept = set(session.scalars(select(OutboxJob.dedup_key)))
        pruned = session.get(OutboxJob, prune.id)
    assert {key for key, _, _ in rows.values()} - kept == {"periodic:sftp.schedule_pulls:1"}
    assert pruned is not None and pruned.args == {"deleted": 1}
