"""A partner that collects from our SFTP server (inbound account only, outbound transport sftp) gets its
acks and documents in its outbox/, written atomically by the outbound send task."""

from __future__ import annotations

from gateway.models import ExchangeStatus
from gateway.sftp.layout import partner_dir
from partners.profile import parse_profile
from tests.gateway.sftp.helpers import add_partner, sftp_profile
from tests.partners.factories import ed25519_line

from .conftest import PAYLOAD, Outbound, ready_exchange


def _collecting_partner() -> dict[str, object]:
    profile = sftp_profile("collector", inbound_keys=[ed25519_line()])
    profile["transports"]["outbound"] = "sftp"  # type: ignore[index]
    return profile


def test_inbound_only_account_with_outbound_sftp_is_a_valid_profile() -> None:
    assert parse_profile(_collecting_partner()).transports.outbound is not None


def test_document_lands_in_the_partners_outbox(outbound: Outbound) -> None:
    partner_id = add_partner(outbound.settings, _collecting_partner())
    exchange_id = ready_exchange(outbound.settings, partner_id, transport="sftp")
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    outbox = partner_dir(outbound.settings, "collector") / "outbox"
    files = sorted(p.name for p in outbox.iterdir())
    assert files == ["po.edi"], files
    assert (outbox / "po.edi").read_bytes() == PAYLOAD
