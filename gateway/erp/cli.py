"""``edigw erp``: the ERP side of the SQL staging connector (the default table layout)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import create_mock_engine
from sqlalchemy.schema import CreateIndex, CreateTable

from gateway.config import get_settings
from gateway.erp.staging import DEFAULT_OUTBOUND_TABLE, staging_database, staging_metadata

erp_app = typer.Typer(help="ERP connectors.", no_args_is_help=True)


@erp_app.command("staging-tables")
def staging_tables(
    create: Annotated[
        bool, typer.Option(help="Create them in EDIGW_ERP_STAGING_URL instead of printing.")
    ] = False,
) -> None:
    """Print (or create) the default staging tables: headers, lines, and the outbound table the gateway
    polls, with the names from the settings, in the staging database's SQL dialect."""
    settings = get_settings()
    if settings.erp_staging_url is None:
        typer.echo("error: EDIGW_ERP_STAGING_URL is not set", err=True)
        raise typer.Exit(1)
    url = settings.erp_staging_url.get_secret_value()
    metadata = staging_metadata(
        settings.erp_staging_header_table,
        settings.erp_staging_line_table,
        settings.erp_staging_outbound_table or DEFAULT_OUTBOUND_TABLE,
    )
    if create:
        metadata.create_all(staging_database(url).engine)
        typer.echo(f"created {', '.join(metadata.tables)}")
        return
    dialect = create_mock_engine(url, lambda *_a, **_k: None).dialect
    for table in metadata.sorted_tables:
        typer.echo(f"{str(CreateTable(table).compile(dialect=dialect)).strip()};\n")
        for index in table.indexes:
            typer.echo(f"{CreateIndex(index).compile(dialect=dialect)};\n")
