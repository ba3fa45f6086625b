"""The partner webhook: retried with the same signed body and Idempotency-Key after a 5xx, final on a
4xx, and never sent to a name that resolves into a private range the profile does not allow."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket

from sqlalchemy import select

from gateway.auth.service import create_token
from gateway.db import get_database
from gateway.models import JobStatus, OutboxJob, Role
from gateway.onboarding.service import create_partner
from gateway.sftp.credentials import store_secret
from partners.network import non_global_range
from tests.conftest import require_available
from tests.gateway.edi_samples import x12_850

from .conftest import Party, World, rest_partner

X12 = {"Content-Type": "application/edi-x12"}


def _submit_and_drain(world: World, party: Party, body: bytes) -> None:
    headers = party.headers | X12
    assert world.client.post("/v1/partner/messages", content=body, headers=headers).status_code == 202
    world.drain()


def _notify_job(world: World) -> OutboxJob:
    with get_database(world.settings).sessions() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.task == "outbound.notify_partner"))
        assert job is not None
        session.expunge(job)
        return job


def test_a_failed_webhook_is_retried_with_the_same_signed_request(world: World) -> None:
    world.hook.statuses = [503, 503]
    _submit_and_drain(world, world.acme, x12_850())
    assert [h["x-answered"] for h, _ in world.hook.requests] == ["503", "503", "200"]
    bodies = {body for _, body in world.hook.requests}
    keys = {h["idempotency-key"] for h, _ in world.hook.requests}
    assert len(bodies) == 1 and len(keys) == 1
    body = bodies.pop()
    for headers, _ in world.hook.requests:
        assert (
            headers["x-edigw-signature"]
            == "sha256=" + hmac.new(world.acme.secret, body, hashlib.sha256).hexdigest()
        )
    job = _notify_job(world)
    assert job.status == JobStatus.DONE and job.attempts == 3
    assert world.exchange(job.subject_id or 0).meta["webhook"]["http_status"] == 200


def test_a_refused_webhook_is_final(world: World) -> None:
    world.hook.statuses = [410]
    _submit_and_drain(world, world.acme, x12_850())
    assert len(world.hook.requests) == 1
    job = _notify_job(world)
    assert job.status == JobStatus.DEAD and "HTTP 410" in (job.last_error or "")
    assert "HTTP 410" in world.exchange(job.subject_id or 0).meta["webhook_failed"]["error"]


def _private_name() -> str:
    name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    if not all(non_global_range(ipaddress.ip_address(str(a).split("%")[0])) for a in addresses):
        require_available(
            False, f"{name} resolves to a public address here, so the private-address refusal cannot be shown"
        )
    return name


def test_a_webhook_name_resolving_to_a_private_address_is_refused(world: World) -> None:
    name = _private_name()
    profile = rest_partner("gamma", "GAMMASUPPLY", f"http://{name}:{world.hook.url.split(':')[2]}")
    profile["transports"]["rest"]["allow_private_network"] = False
    store_secret(world.settings, "rest/gamma-webhook", b"gamma")
    with get_database(world.settings).transaction() as session:
        partner_id = create_partner(session, profile).id
        _, token = create_token(session, "gamma-api", Role.PARTNER, partner_id=partner_id)
    _submit_and_drain(world, Party(partner_id, token, b"gamma"), x12_850(sender="GAMMASUPPLY"))
    assert world.hook.requests == []
    job = _notify_job(world)
    assert job.status == JobStatus.DEAD and "allow_private_network" in (job.last_error or "")


def test_a_webhook_whose_secret_is_not_stored_is_never_sent_unsigned(world: World) -> None:
    profile = rest_partner("delta", "DELTASUPPLY", world.hook.url)
    with get_database(world.settings).transaction() as session:
        partner_id = create_partner(session, profile).id
        _, token = create_token(session, "delta-api", Role.PARTNER, partner_id=partner_id)
    _submit_and_drain(world, Party(partner_id, token, b""), x12_850(sender="DELTASUPPLY"))
    assert world.hook.requests == []
    job = _notify_job(world)
    assert job.status == JobStatus.DEAD and "rest/delta-webhook" in (job.last_error or "")
