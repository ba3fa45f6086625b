"""``edigw outbound``: MDNs overdue and the operator resend from the command line (same service as the
admin API)."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.config import get_settings
from gateway.db import get_database
from gateway.errors import GatewayError
from gateway.models.base import utcnow
from gateway.outbound import service
from gateway.outbound.schemas import OutboundExchangeOut

outbound_app = typer.Typer(help="Outbound exchanges: MDNs overdue, resend.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _show(out: OutboundExchangeOut, as_json: bool) -> None:
    if as_json:
        typer.echo(out.model_dump_json())
        return
    due = f"\tMDN {out.mdn_status} (due {out.mdn_due_at})" if out.mdn_status else ""
    typer.echo(
        f"{out.id}\tpartner {out.partner_id}\t{out.transport}\t{out.status}\t{out.as2_message_id or ''}{due}"
    )


@outbound_app.command("overdue")
def overdue(as_json: JsonFlag = False) -> None:
    """List sent AS2 exchanges whose asynchronous MDN has not arrived by its due time."""
    with get_database(get_settings()).sessions() as session:
        for exchange in service.overdue_mdns(session, utcnow()):
            _show(OutboundExchangeOut.of(exchange), as_json)


@outbound_app.command("resend")
def resend(
    exchange_id: int,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="Build a new AS2 message (new Message-ID, current certificates)."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Send a failed exchange (or one whose MDN is overdue) again, byte-identical over AS2."""
    settings = get_settings()
    try:
        with get_database(settings).transaction() as session:
            exchange = service.resend(session, settings, exchange_id, rebuild=rebuild)
            _show(OutboundExchangeOut.of(exchange), as_json)
    except GatewayError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
