"""A station and a partner that exchange signed and encrypted AS2 messages, for integration tests that
receive them through the real receive path."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from gateway.as2 import OutboundMessage, OutboundPayload, SendOptions, build_message
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.keys import master_key
from gateway.models.base import utcnow
from gateway.onboarding.service import create_partner
from partners.keys import CertificateUsage
from partners.profile import PartnerIdentities
from tests.gateway.as2.keys import Identity
from tests.gateway.edi_samples import x12_850

BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})


def onboard(settings: Settings, us: Identity, partner: Identity) -> None:
    """Station ``gateway`` holding ``us``'s key, partner ``partner`` with its certificate."""
    upgrade(settings)
    p12 = pkcs12.serialize_key_and_certificates(
        b"us", us.pair.private_key, us.cert, None, serialization.NoEncryption()
    )
    with get_database(settings).transaction() as session:
        station = certs.create_station(session, "main", "Main", PartnerIdentities(as2_id="gateway"))
        certs.import_station_key(session, station.id, p12, None, BOTH, master_key(settings))
        partner_id = create_partner(
            session, {"code": "partner", "name": "Partner", "identities": {"as2_id": "partner"}}
        ).id
        pem = partner.cert.public_bytes(serialization.Encoding.PEM)
        certs.import_partner_certificate(session, partner_id, pem, BOTH)


def messages(us: Identity, partner: Identity, count: int, prefix: str) -> list[OutboundMessage]:
    """Signed and encrypted 850s from the partner, asking for a signed sync MDN, one Message-ID each."""
    options = SendOptions(as2_from="partner", as2_to="gateway", sign_with=partner.pair, encrypt_to=(us.cert,))
    return [
        build_message(OutboundPayload(x12_850()), options, message_id=f"<{prefix}-{n}@partner>", now=utcnow())
        for n in range(count)
    ]
