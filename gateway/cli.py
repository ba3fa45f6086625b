"""The ``edigw`` command line: serve, api, worker, relay, db, jobs and system commands."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from types import FrameType
from typing import Annotated

import typer
from sqlalchemy import select

from gateway.audit.cli import evidence_app, messages_app
from gateway.broker import make_folders
from gateway.certificates.cli import certs_app, stations_app
from gateway.cli_documents import register as register_document_commands
from gateway.config import AREAS, get_settings
from gateway.db import get_database, upgrade
from gateway.erp.cli import erp_app
from gateway.models import JobStatus, OutboxJob, Role
from gateway.observability import configure_logging, logging_dict_config
from gateway.onboarding.cli import partners_app
from gateway.outbound.cli import outbound_app
from gateway.sftp.cli import sftp_app, sftp_server

app = typer.Typer(help="EDI partner gateway.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
jobs_app = typer.Typer(help="Outbox jobs: inspect, replay.", no_args_is_help=True)
system_app = typer.Typer(help="System checks.", no_args_is_help=True)
archive_app = typer.Typer(help="The non-repudiation archive.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(jobs_app, name="jobs")
app.add_typer(system_app, name="system")
app.add_typer(archive_app, name="archive")
app.add_typer(tokens_app, name="tokens")
app.add_typer(partners_app, name="partners")
app.add_typer(certs_app, name="certs")
app.add_typer(stations_app, name="stations")
app.add_typer(evidence_app, name="evidence")
app.add_typer(messages_app, name="messages")
app.add_typer(sftp_app, name="sftp")
app.add_typer(outbound_app, name="outbound")
app.add_typer(erp_app, name="erp")
app.command("sftp-server")(sftp_server)
register_document_commands(app)

PING_POLL_SECONDS = 0.1


def _logging() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="HTTP port (EDIGW_HTTP_PORT).")] = None,
    host: Annotated[str | None, typer.Option(help="HTTP host (EDIGW_HTTP_HOST).")] = None,
    workers: Annotated[int | None, typer.Option(help="Celery worker processes.")] = None,
) -> None:
    """Start everything on one machine: API, worker processes and outbox relay (Ctrl-C stops all)."""
    from gateway.serve import serve as run_serve

    if port is not None:
        os.environ["EDIGW_HTTP_PORT"] = str(port)
    if host is not None:
        os.environ["EDIGW_HTTP_HOST"] = host
    get_settings.cache_clear()
    _logging()
    settings = get_settings()
    raise typer.Exit(run_serve(settings, workers or settings.worker_concurrency))


@app.command()
def api() -> None:
    """Run the HTTP API only (scaled-out layout); EDIGW_HTTP_WORKERS processes."""
    from gateway.http_server import run_api

    _logging()
    settings = get_settings()
    make_folders(settings)
    log_config = logging_dict_config(settings.log_level, settings.log_format)
    raise typer.Exit(run_api(settings.http_host, settings.http_port, settings.http_workers, log_config))


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    queues: Annotated[str | None, typer.Option(help="Comma-separated areas; default all.")] = None,
) -> None:
    """Run Celery worker processes (scaled-out layout)."""
    from gateway.worker import celery_app

    settings = get_settings()
    areas = queues.split(",") if queues else list(AREAS)
    argv = [
        "worker",
        f"--concurrency={concurrency or settings.worker_concurrency}",
        f"--queues={','.join(settings.queue_name(a) for a in areas)}",
        f"--loglevel={settings.log_level}",
        "--pool=prefork",
        f"--hostname=edigw-{os.getpid()}@%h",
    ]
    if settings.broker_is_embedded:
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    celery_app.worker_main(argv)


@app.command()
def relay(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 0 if a relay using this data dir is alive, else 1.")
    ] = False,
    max_age: Annotated[float, typer.Option(help="With --check: seconds since the relay's last loop.")] = 30.0,
) -> None:
    """Run the outbox relay and sweeper (scaled-out layout: one or more replicas)."""
    from gateway.outbox import relay_heartbeat_age, run_relay

    if check:
        age = relay_heartbeat_age(get_settings())
        typer.echo("no heartbeat" if age is None else f"last loop {age:.1f}s ago")
        raise typer.Exit(0 if age is not None and age <= max_age else 1)
    _logging()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    run_relay(get_settings(), stop)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Create or upgrade the schema."""
    _logging()
    upgrade(get_settings(), revision)
    typer.echo(f"database at {revision}")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[JobStatus | None, typer.Option(help="Only this status.")] = None,
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """List recent outbox jobs as JSON lines."""
    with get_database(get_settings()).transaction() as session:
        stmt = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(OutboxJob.status == status)
        for job in session.scalars(stmt):
            row = {"id": job.id, "task": job.task, "status": job.status.value, "attempts": job.attempts}
            typer.echo(json.dumps(row | {"last_error": job.last_error}))


@jobs_app.command("replay")
def jobs_replay(job_id: int) -> None:
    """Give a dead job a fresh set of attempts."""
    from gateway.errors import GatewayError
    from gateway.outbox import replay

    try:
        with get_database(get_settings()).transaction() as session:
            replay(session, job_id)
    except GatewayError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"job {job_id} is pending again")


@system_app.command("ping")
def system_ping(
    note: Annotated[str, typer.Option()] = "",
    delay: Annotated[float, typer.Option(help="Seconds the task holds its transaction open.")] = 0.0,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the worker; 0 = don't wait.")] = 0.0,
) -> None:
    """Enqueue a ``system.ping`` job through the outbox; with --wait, wait until a worker ran it."""
    from gateway.system.service import pings_for, request_ping

    settings = get_settings()
    db = get_database(settings)
    with db.transaction() as session:
        job_id = request_ping(session, settings, note, delay).id
    typer.echo(json.dumps({"job_id": job_id}))
    deadline = time.monotonic() + wait
    while wait and time.monotonic() < deadline:
        with db.transaction() as session:
            pings = pings_for(session, job_id)
        if pings:
            typer.echo(json.dumps({"job_id": job_id, "status": "done", "worker_pid": pings[0].worker_pid}))
            return
        time.sleep(PING_POLL_SECONDS)
    if wait:
        typer.echo(f"error: job {job_id} not done after {wait}s", err=True)
        raise typer.Exit(1)


@archive_app.command("verify")
def archive_verify() -> None:
    """Re-check every archive record and file from the start; report the first broken link."""
    from gateway.archive.chain import verify

    settings = get_settings()
    with get_database(settings).sessions() as session:
        report = verify(session, settings.resolved_archive_dir)
    if report.broken is None:
        typer.echo(f"archive chain intact: {report.records} records, head {report.head_hash}")
        return
    typer.echo(
        f"archive chain BROKEN at record {report.broken.seq}: {report.broken.reason} "
        f"({report.records} records before it verify)",
        err=True,
    )
    raise typer.Exit(1)


@tokens_app.command("create")
def tokens_create(
    role: Annotated[Role, typer.Option(help="admin, onboarding, operator, auditor or partner.")],
    name: Annotated[str, typer.Option(help="Who or what uses the token.")],
    partner: Annotated[int | None, typer.Option(help="Partner id (partner tokens only).")] = None,
    expires_days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API token; the secret is printed once."""
    from gateway.auth.service import create_token, token_summary

    with get_database(get_settings()).transaction() as session:
        token, plaintext = create_token(session, name, role, partner_id=partner, expires_in_days=expires_days)
        summary = token_summary(token)
    typer.echo(json.dumps(summary | {"token": plaintext}) if as_json else plaintext)


@tokens_app.command("list")
def tokens_list() -> None:
    """List tokens (never their secrets) as JSON lines."""
    from gateway.auth.service import token_summary
    from gateway.models.auth import ApiToken

    with get_database(get_settings()).sessions() as session:
        for token in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            typer.echo(json.dumps(token_summary(token)))


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    from gateway.auth.service import revoke_token

    with get_database(get_settings()).transaction() as session:
        revoke_token(session, token_id)
    typer.echo(f"token {token_id} revoked")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
