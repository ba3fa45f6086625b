"""Operator endpoints for outbox jobs (list, replay) and the auditor's archive check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from gateway.archive.chain import verify
from gateway.auth.service import Principal, audit
from gateway.deps import DatabaseDep, Id, SettingsDep, require
from gateway.models import JobStatus, OutboxJob
from gateway.models.auth import Role
from gateway.outbox import replay

router = APIRouter(tags=["operations"])
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR))]


class JobOut(BaseModel):
    id: int
    task: str
    status: JobStatus
    attempts: int
    max_attempts: int
    subject_type: str | None
    subject_id: int | None
    last_error: str | None


class ChainOut(BaseModel):
    ok: bool
    records: int
    head_hash: str
    broken_at: int | None
    reason: str | None


def _job_out(job: OutboxJob) -> JobOut:
    return JobOut(
        id=job.id,
        task=job.task,
        status=job.status,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        subject_type=job.subject_type,
        subject_id=job.subject_id,
        last_error=job.last_error,
    )


@router.get("/v1/admin/jobs")
def list_jobs(
    db: DatabaseDep,
    _principal: Operator,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[JobOut]:
    stmt = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(OutboxJob.status == status)
    with db.sessions() as session:
        return [_job_out(job) for job in session.scalars(stmt)]


@router.post("/v1/admin/jobs/{job_id}/replay")
def replay_job(job_id: Id, db: DatabaseDep, principal: Operator) -> JobOut:
    with db.transaction() as session:
        job = replay(session, job_id)
        audit(session, principal, "job.replay", "outbox_job", job_id, after={"status": job.status.value})
        return _job_out(job)


@router.get("/v1/archive/verify")
def verify_archive(db: DatabaseDep, settings: SettingsDep, _principal: Auditor) -> ChainOut:
    with db.sessions() as session:
        report = verify(session, settings.resolved_archive_dir)
    broken = report.broken
    return ChainOut(
        ok=report.ok,
        records=report.records,
        head_hash=report.head_hash,
        broken_at=broken.seq if broken else None,
        reason=broken.reason if broken else None,
    )
