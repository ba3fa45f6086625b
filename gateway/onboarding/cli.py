"""``edigw partners``: onboarding from the command line, the same service as the admin API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gateway.config import get_settings
from gateway.db import get_database
from gateway.errors import GatewayError
from gateway.models.partner import Partner
from gateway.onboarding import repository, service
from gateway.onboarding.schemas import PartnerOut
from partners.errors import PartnersError, ProfileValidationError

partners_app = typer.Typer(help="Trading partners: add, show, list, update, disable.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        typer.echo(f"error: cannot read {path}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(data, dict):
        typer.echo(f"error: {path} must hold a JSON object", err=True)
        raise typer.Exit(2)
    return data


def _fail(exc: Exception) -> typer.Exit:
    if isinstance(exc, ProfileValidationError):
        for error in exc.errors:
            typer.echo(f"error: {error.path}: {error.message}", err=True)
    else:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
    return typer.Exit(1)


def _show(partner: Partner, as_json: bool) -> None:
    out = PartnerOut.of(partner)
    if as_json:
        typer.echo(out.model_dump_json(indent=2))
        return
    state = "enabled" if out.enabled else "disabled"
    typer.echo(f"{out.id}\t{out.code}\t{out.name}\t{state}\tversion {out.version}")


def _write(action: Any, as_json: bool) -> None:
    try:
        with get_database(get_settings()).transaction() as session:
            _show(action(session), as_json)
    except (GatewayError, PartnersError) as exc:
        raise _fail(exc) from exc


@partners_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="Partner profile as JSON.")], as_json: JsonFlag = False
) -> None:
    """Validate and add a partner."""
    data = _load(file)
    _write(lambda session: service.create_partner(session, data), as_json)


@partners_app.command("update")
def update(
    partner_id: int,
    file: Annotated[Path, typer.Argument(help="Partial profile as JSON: nested objects merge.")],
    version: Annotated[
        int | None, typer.Option(help="Fail if the partner is no longer at this version.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a partner."""
    changes = _load(file)
    _write(
        lambda session: service.update_partner(session, partner_id, changes, expected_version=version),
        as_json,
    )


@partners_app.command("disable")
def disable(partner_id: int, as_json: JsonFlag = False) -> None:
    """Stop exchanging with a partner (its identities stay reserved)."""
    _write(lambda session: service.set_enabled(session, partner_id, False), as_json)


@partners_app.command("show")
def show(partner_id: int, as_json: JsonFlag = False) -> None:
    """Show one partner."""
    try:
        with get_database(get_settings()).sessions() as session:
            _show(service.get_partner(session, partner_id), as_json)
    except GatewayError as exc:
        raise _fail(exc) from exc


@partners_app.command("list")
def list_partners(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Code, name or identity contains.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List partners."""
    with get_database(get_settings()).sessions() as session:
        partners = repository.search(session, query, None, 1000, 0)
        if as_json:
            rows = [{"id": p.id, "code": p.code, "name": p.name, "enabled": p.enabled} for p in partners]
            typer.echo(json.dumps(rows, indent=2))
            return
        for partner in partners:
            _show(partner, False)


@partners_app.command("test")
def check(
    partner_id: int,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the delivery result.")] = 30.0,
    as_json: JsonFlag = False,
) -> None:
    """Check a partner's settings and certificates, send a test message and say what happened."""
    from gateway.onboarding.check import run_check

    settings = get_settings()
    try:
        report = run_check(get_database(settings), settings, partner_id, wait)
    except GatewayError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(vars(report), indent=2))
    else:
        for finding in report.findings:
            typer.echo(f"{finding['severity']:7} {finding['setting']}: {finding['message']}")
        typer.echo(report.outcome)
    if not report.ready:
        raise typer.Exit(1)
