"""The SQL staging connector on real databases (SQLite and a per-test PostgreSQL database as the ERP's
staging DB): header + lines in one transaction, a redelivery is a no-op at the ERP-side unique key, the
column mapping renames and leaves out columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Column, Date, MetaData, Numeric, String, Table, Text, create_engine, select

from gateway.config import Settings
from gateway.db import get_database
from gateway.erp.connectors import Delivery, build_connector
from gateway.erp.staging import SqlStagingConnector
from gateway.erp.tasks import sync
from gateway.models import ErpDelivery, JobStatus, OutboxJob
from gateway.outbox import run_job
from tests.gateway.edi_samples import purchase_order
from translators.canonical import ItemId, ItemIdKind, Quantity, ShipItem, ShipNotice, ShipOrder

from .conftest import create_default_tables, staging_rows


def _connector(url: str, **mapping: Any) -> SqlStagingConnector:
    settings = Settings(
        erp_connector="sql",
        erp_staging_url=SecretStr(url),
        **mapping,
    )
    connector = build_connector(settings)
    assert isinstance(connector, SqlStagingConnector)
    return connector


def _po_delivery(number: str = "PO-1001", document_id: int = 7) -> Delivery:
    return Delivery(
        document_id=document_id,
        kind="purchase_order",
        number=number,
        partner_code="acme",
        idempotency_key=f"edigw-document-{document_id}",
        canonical=purchase_order(number, lines=3).model_dump(mode="json"),
    )


def test_header_and_lines_are_staged_once(staging_url: str) -> None:
    create_default_tables(staging_url)
    connector = _connector(staging_url)

    first = connector.deliver(_po_delivery())
    again = connector.deliver(_po_delivery())  # a redelivery after a crash before our bookkeeping

    assert first == "staged in edigw_erp_header with 3 lines"
    assert again == "already staged in edigw_erp_header"
    [header] = staging_rows(staging_url, "edigw_erp_header")
    assert header["delivery_key"] == "edigw-document-7"
    assert (header["kind"], header["partner"], header["po_number"]) == ("purchase_order", "acme", "PO-1001")
    assert header["document_date"] == "2026-11-20"
    assert header["line_count"] == 3
    assert '"po_number":"PO-1001"' in header["document"]
    lines = staging_rows(staging_url, "edigw_erp_line")
    assert [(r["line_index"], r["line_number"], Decimal(r["quantity"]), r["unit"]) for r in lines] == [
        (1, "1", Decimal(5), "EA"),
        (2, "2", Decimal(10), "EA"),
        (3, "3", Decimal(15), "EA"),
    ]


def test_ship_notice_lines_carry_their_po(staging_url: str) -> None:
    create_default_tables(staging_url)
    item = ItemId(kind=ItemIdKind.BUYER_PART, value="A-1")
    notice = ShipNotice(
        shipment_id="SH-1",
        notice_date=dt.date(2026, 11, 25),
        orders=(
            ShipOrder(
                po_number="PO-1",
                items=(
                    ShipItem(
                        line_number="1", items=(item,), shipped_quantity=Quantity(value=Decimal(4), unit="EA")
                    ),
                ),
            ),
            ShipOrder(
                po_number="PO-2",
                items=(
                    ShipItem(line_number="3", shipped_quantity=Quantity(value=Decimal("2.5"), unit="KG")),
                ),
            ),
        ),
    )
    delivery = Delivery(9, "ship_notice", "SH-1", "acme", "edigw-document-9", notice.model_dump(mode="json"))

    _connector(staging_url).deliver(delivery)

    [header] = staging_rows(staging_url, "edigw_erp_header")
    assert (header["shipment_id"], header["po_number"], header["line_count"]) == ("SH-1", "PO-1", 2)
    lines = staging_rows(staging_url, "edigw_erp_line")
    assert [(r["po_number"], r["item"], Decimal(r["quantity"]), r["unit"]) for r in lines] == [
        ("PO-1", "A-1", Decimal(4), "EA"),
        ("PO-2", None, Decimal("2.5"), "KG"),
    ]


def test_column_mapping_renames_and_leaves_out(staging_url: str) -> None:
    """An ERP's own open-interface tables: other names, only the columns it imports."""
    metadata = MetaData()
    Table(
        "PO_HDR",
        metadata,
        Column("EDI_KEY", String(120), unique=True),
        Column("PO_NO", String(80)),
        Column("SUPPLIER", String(64)),
        Column("PO_DATE", Date),
        Column("LINES", String(5)),
        Column("PAYLOAD", Text),
    )
    Table(
        "PO_LIN",
        metadata,
        Column("EDI_KEY", String(120)),
        Column("LINE_NO", String(20)),
        Column("QTY", Numeric(18, 6)),
        Column("UOM", String(10)),
    )
    engine = create_engine(staging_url)
    metadata.create_all(engine)
    engine.dispose()
    connector = _connector(
        staging_url,
        erp_staging_header_table="PO_HDR",
        erp_staging_line_table="PO_LIN",
        erp_staging_header_columns={
            "delivery_key": "EDI_KEY",
            "po_number": "PO_NO",
            "partner": "SUPPLIER",
            "document": "PAYLOAD",
            "document_date": "PO_DATE",
            "line_count": "LINES",
            "number": "",
        },
        erp_staging_line_columns={
            "delivery_key": "EDI_KEY",
            "line_number": "LINE_NO",
            "quantity": "QTY",
            "unit": "UOM",
        },
    )

    connector.deliver(_po_delivery("PO-9", 11))
    connector.deliver(_po_delivery("PO-9", 11))

    with create_engine(staging_url).connect() as conn:
        header_table = Table("PO_HDR", MetaData(), autoload_with=conn)
        line_table = Table("PO_LIN", MetaData(), autoload_with=conn)
        headers = conn.execute(select(header_table)).all()
        lines = conn.execute(select(line_table)).all()
    assert [(h.EDI_KEY, h.PO_NO, h.SUPPLIER) for h in headers] == [("edigw-document-11", "PO-9", "acme")]
    header = dict(headers[0]._mapping)
    assert (header["PO_DATE"], header["LINES"]) == (dt.date(2026, 11, 20), "3")
    assert [(r.LINE_NO, Decimal(r.QTY), r.UOM) for r in lines] == [
        ("1", Decimal(5), "EA"),
        ("2", Decimal(10), "EA"),
        ("3", Decimal(15), "EA"),
    ]


def test_a_header_table_without_the_key_column_is_refused(staging_url: str) -> None:
    metadata = MetaData()
    Table("ORDERS_IN", metadata, Column("PO_NO", String(80)))
    engine = create_engine(staging_url)
    metadata.create_all(engine)
    engine.dispose()
    connector = _connector(staging_url, erp_staging_header_table="ORDERS_IN")
    with pytest.raises(Exception, match="has no delivery_key column"):
        connector.deliver(_po_delivery())


def test_sync_document_job_stages_and_records_the_attempt(
    migrated: Settings, staging_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.erp.tasks as tasks
    from tests.gateway.test_erp_delivery import _document_job

    create_default_tables(staging_url)
    settings = migrated.model_copy(update={"erp_connector": "sql", "erp_staging_url": SecretStr(staging_url)})
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    job_id = _document_job(settings)

    assert run_job(settings, job_id, sync)

    [header] = staging_rows(staging_url, "edigw_erp_header")
    with get_database(settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None and job.status == JobStatus.DONE
        [attempt] = session.scalars(select(ErpDelivery))
    assert (attempt.connector, attempt.outcome) == ("sql", "delivered")
    assert attempt.idempotency_key == header["delivery_key"]
    assert header["po_number"] == "PO-1001"


def test_cli_prints_and_creates_the_default_tables(staging_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from gateway.cli import app

    settings = Settings(erp_staging_url=SecretStr(staging_url), erp_staging_header_table="po_in")
    monkeypatch.setattr("gateway.erp.cli.get_settings", lambda: settings)
    printed = CliRunner().invoke(app, ["erp", "staging-tables"])
    assert printed.exit_code == 0, printed.output
    assert "CREATE TABLE po_in" in printed.output
    assert "UNIQUE (delivery_key)" in printed.output

    created = CliRunner().invoke(app, ["erp", "staging-tables", "--create"])
    assert created.exit_code == 0, created.output
    assert staging_rows(staging_url, "po_in") == []
    assert staging_rows(staging_url, "edigw_erp_outbound") == []
