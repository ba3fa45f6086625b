"""``edigw certs`` and ``edigw stations``: the same services as the admin API, from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gateway.certificates import service
from gateway.certificates.schemas import CertificateOut
from gateway.config import get_settings
from gateway.db import get_database
from gateway.errors import GatewayError
from gateway.keys import master_key
from gateway.models.base import utcnow
from gateway.models.certificate import Certificate
from partners.errors import PartnersError
from partners.keys import CertificateUsage, DistinguishedName, generate_key_pair, self_signed_certificate
from partners.profile import PartnerIdentities

certs_app = typer.Typer(help="Certificates: generate, import, list, expiring, dev.", no_args_is_help=True)
stations_app = typer.Typer(help="Our own stations (identities we send as).", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Usages = Annotated[
    list[CertificateUsage] | None, typer.Option("--usage", help="sign, encrypt, tls (repeat).")
]
DEFAULT_USAGES = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})


def _usages(values: list[CertificateUsage] | None) -> frozenset[CertificateUsage]:
    return frozenset(values) if values else DEFAULT_USAGES


def _print(rows: list[Certificate], as_json: bool) -> None:
    outs = [CertificateOut.of(r) for r in rows]
    if as_json:
        typer.echo(json.dumps([o.model_dump(mode="json", exclude={"pem"}) for o in outs], indent=2))
        return
    for o in outs:
        owner = f"partner {o.partner_id}" if o.partner_id else f"station {o.station_id}"
        key = " +key" if o.has_private_key else ""
        typer.echo(f"{o.id}\t{owner}\t{','.join(o.usages)}{key}\t{o.not_after:%Y-%m-%d}\t{o.subject}")


def _guard(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
    return typer.Exit(1)


@stations_app.command("add")
def stations_add(
    code: str,
    name: Annotated[str, typer.Option()],
    as2_id: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a station (one of our identities)."""
    try:
        with get_database(get_settings()).transaction() as session:
            station = service.create_station(session, code, name, PartnerIdentities(as2_id=as2_id))
            typer.echo(f"station {station.id} {station.code}")
    except (GatewayError, PartnersError, ValueError) as exc:
        raise _guard(exc) from exc


@certs_app.command("generate")
def generate(
    station: Annotated[int, typer.Option(help="Station id.")],
    common_name: Annotated[str, typer.Option("--cn")],
    organization: Annotated[str | None, typer.Option("--org")] = None,
    usage: Usages = None,
    bits: int = 2048,
    days: int = 730,
    csr_out: Annotated[Path | None, typer.Option(help="Write the CSR here.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Generate a key pair for a station (key sealed at rest) with a self-signed certificate and a CSR."""
    settings = get_settings()
    subject = DistinguishedName(common_name=common_name, organization=organization)
    try:
        with get_database(settings).transaction() as session:
            made = service.generate_station_key(
                session, station, subject, _usages(usage), master_key(settings), bits=bits, validity_days=days
            )
            _print([made.certificate], as_json)
    except (GatewayError, PartnersError) as exc:
        raise _guard(exc) from exc
    if csr_out is not None:
        csr_out.write_text(made.csr_pem)


@certs_app.command("import")
def import_cert(
    file: Path,
    partner: Annotated[int | None, typer.Option(help="Partner id: import the partner's certificate.")] = None,
    station: Annotated[
        int | None, typer.Option(help="Station id: import our key + certificate (PKCS#12).")
    ] = None,
    password: Annotated[str | None, typer.Option(help="PKCS#12 password.")] = None,
    usage: Usages = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a partner certificate (PEM/DER/P7B/P12) or a station key pair (P12)."""
    if (partner is None) == (station is None):
        typer.echo("error: give exactly one of --partner and --station", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    data, secret = file.read_bytes(), password.encode() if password else None
    try:
        with get_database(settings).transaction() as session:
            if partner is not None:
                row = service.import_partner_certificate(
                    session, partner, data, _usages(usage), password=secret
                )
            else:
                assert station is not None
                row = service.import_station_key(
                    session, station, data, secret, _usages(usage), master_key(settings)
                )
            _print([row], as_json)
    except (GatewayError, PartnersError) as exc:
        raise _guard(exc) from exc


@certs_app.command("list")
def list_certs(
    partner: Annotated[int | None, typer.Option()] = None,
    station: Annotated[int | None, typer.Option()] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the certificates of a partner or a station."""
    try:
        with get_database(get_settings()).sessions() as session:
            _print(service.certificates_of(session, partner_id=partner, station_id=station), as_json)
    except GatewayError as exc:
        raise _guard(exc) from exc


@certs_app.command("expiring")
def expiring(days: Annotated[int, typer.Option()] = 30, as_json: JsonFlag = False) -> None:
    """Certificates that expire within DAYS (exit 1 if any, for monitoring scripts)."""
    with get_database(get_settings()).sessions() as session:
        found = service.expiring(session, utcnow(), days)
        if as_json:
            rows = [
                CertificateOut.of(row).model_dump(mode="json", exclude={"pem"}) | {"days_left": w.days_left}
                for row, w in found
            ]
            typer.echo(json.dumps(rows, indent=2))
        else:
            for row, warning in found:
                state = "EXPIRED" if warning.expired else f"{warning.days_left} days left"
                typer.echo(f"{row.id}\t{state}\t{row.info['subject']}")
    if found:
        raise typer.Exit(1)


def _write_partner_keys(out: Path) -> bytes:
    """A local test partner's key pair (for an openssl peer); the private key stays git-ignored."""
    pair = generate_key_pair(2048)
    subject = DistinguishedName(common_name="DEV-PARTNER", organization="Local test partner")
    cert_pem = self_signed_certificate(pair.private_key_pem, subject, utcnow(), validity_days=365)
    (out / "partner-key.pem").write_bytes(pair.private_key_pem)
    (out / "partner-key.pem").chmod(0o600)
    (out / "partner-cert.pem").write_bytes(cert_pem)
    return cert_pem


@certs_app.command("dev")
def dev(
    out: Annotated[Path, typer.Option(help="Folder for the dev certificates.")] = Path("certs/dev"),
) -> None:
    """Set up a dev station (EDIGW-DEV) with keys and a test partner (DEV-PARTNER) with its own key pair."""
    from gateway.onboarding.service import create_partner

    settings = get_settings()
    out.mkdir(parents=True, exist_ok=True)
    partner_cert = _write_partner_keys(out)
    with get_database(settings).transaction() as session:
        station = service.create_station(session, "dev", "Dev station", PartnerIdentities(as2_id="EDIGW-DEV"))
        made = service.generate_station_key(
            session,
            station.id,
            DistinguishedName(common_name="EDIGW-DEV"),
            DEFAULT_USAGES,
            master_key(settings),
        )
        partner = create_partner(
            session,
            {"code": "dev-partner", "name": "Local test partner", "identities": {"as2_id": "DEV-PARTNER"}},
        )
        service.import_partner_certificate(session, partner.id, partner_cert, DEFAULT_USAGES)
        pem = made.certificate.info["pem"]
    (out / "station-cert.pem").write_text(pem)
    typer.echo(f"station EDIGW-DEV and partner DEV-PARTNER ready; certificates in {out}")
