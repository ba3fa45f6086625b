"""``edigw evidence`` (export, verify offline) and ``edigw messages`` (search)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gateway.audit import service
from gateway.audit.evidence import verify_bundle
from gateway.audit.schemas import ExchangeOut
from gateway.config import get_settings
from gateway.db import get_database
from gateway.errors import GatewayError

evidence_app = typer.Typer(help="Evidence bundles: export, verify offline.", no_args_is_help=True)
messages_app = typer.Typer(help="Messages (exchanges) and their receipts.", no_args_is_help=True)


@evidence_app.command("export")
def export(exchange_id: int, out: Annotated[Path, typer.Option("--out", "-o")]) -> None:
    """Write the evidence bundle of an exchange."""
    settings = get_settings()
    try:
        with get_database(settings).sessions() as session:
            out.write_bytes(service.export_bundle(session, settings.resolved_archive_dir, exchange_id))
    except GatewayError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"evidence of exchange {exchange_id} written to {out}")


@evidence_app.command("verify")
def verify(bundle: Path, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check a bundle offline (no database, no network): hashes, chain, signatures, MIC; exit 1 on failure."""
    report = verify_bundle(bundle.read_bytes())
    if as_json:
        rows = [{"check": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks]
        typer.echo(json.dumps({"ok": report.ok, "checks": rows}, indent=2))
    else:
        for check in report.checks:
            typer.echo(f"{'OK  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
        typer.echo("evidence holds" if report.ok else "evidence does NOT hold")
    if not report.ok:
        raise typer.Exit(1)


@messages_app.command("list")
def list_messages(
    partner: Annotated[int | None, typer.Option(help="Partner id.")] = None,
    message_id: Annotated[str | None, typer.Option()] = None,
    document: Annotated[str | None, typer.Option(help="PO, ASN or ack number.")] = None,
    limit: int = 50,
) -> None:
    """Search exchanges; one JSON line each."""
    with get_database(get_settings()).sessions() as session:
        found = service.search_exchanges(
            session, partner_id=partner, message_id=message_id, document_number=document, limit=limit
        )
        for exchange in found:
            typer.echo(ExchangeOut.of(exchange).model_dump_json())
