"""SQL staging tables, the open interface on-prem ERPs import from: each delivery is one header row and its
line rows, inserted in one transaction of the ERP's database.

The header's ``delivery_key`` column is unique: a redelivery (a retry after a crash between the insert
and our bookkeeping) hits it and is a no-op, so the ERP-side table is the idempotency boundary.

Columns are flat fields of the canonical document (``HEADER_FIELDS``, ``LINE_FIELDS``), renamed by the
column mapping in the settings; a field whose column the ERP's table does not have is left out, so a table
may hold only what the ERP imports. ``delivery_key`` is the one column every header table needs.
``staging_metadata`` describes the default layout (and the outbound table the ERP writes into).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeEngine

from gateway.db import Database
from gateway.erp.connectors import Delivery
from gateway.errors import PermanentJobError
from gateway.models.base import utcnow
from translators.canonical import (
    Acknowledgement,
    ItemId,
    PurchaseOrder,
    ShipNotice,
    document_from_dict,
)
from translators.canonical.ship_notice import ShipItem, ShipOrder

KEY_FIELD = "delivery_key"
HEADER_FIELDS = (
    KEY_FIELD,
    "document_id",
    "kind",
    "partner",
    "number",
    "po_number",
    "document_date",
    "purpose",
    "status",
    "currency",
    "release_number",
    "shipment_id",
    "line_count",
    "document",
    "staged_at",
)
LINE_FIELDS = (
    KEY_FIELD,
    "line_index",
    "line_number",
    "po_number",
    "item",
    "item_kind",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "currency",
    "status",
    "date",
)
KEY_CHARS = 120
DEFAULT_OUTBOUND_TABLE = "edigw_erp_outbound"


def _first_item(items: tuple[ItemId, ...]) -> dict[str, Any]:
    return {"item": items[0].value, "item_kind": items[0].kind.value} if items else {}


def _po_lines(order: PurchaseOrder) -> Iterator[dict[str, Any]]:
    for line in order.lines:
        yield {
            "line_number": line.line_number,
            "quantity": line.quantity.value,
            "unit": line.quantity.unit,
            "unit_price": line.unit_price.amount.amount if line.unit_price else None,
            "currency": (line.unit_price.amount.currency if line.unit_price else None) or order.currency,
            "description": line.descriptions[0] if line.descriptions else None,
            "date": line.dates[0].date.isoformat() if line.dates else None,
        } | _first_item(line.items)


def _ack_lines(ack: Acknowledgement) -> Iterator[dict[str, Any]]:
    for line in ack.lines:
        status = line.statuses[0] if line.statuses else None
        quantity = (status.quantity if status else None) or line.ordered_quantity
        price = (status.unit_price if status else None) or line.unit_price
        yield {
            "line_number": line.line_number,
            "po_number": ack.po_number,
            "status": status.status.value if status else None,
            "quantity": quantity.value if quantity else None,
            "unit": quantity.unit if quantity else None,
            "unit_price": price.amount.amount if price else None,
            "currency": (price.amount.currency if price else None) or ack.currency,
            "date": status.date.date.isoformat() if status and status.date else None,
            "description": line.descriptions[0] if line.descriptions else None,
        } | _first_item(line.items)


def _order_items(order: ShipOrder) -> Iterator[ShipItem]:
    yield from order.items
    for pack in order.packs:
        yield from pack.items
    for tare in order.tares:
        yield from tare.items
        for pack in tare.packs:
            yield from pack.items


def _ship_lines(notice: ShipNotice) -> Iterator[dict[str, Any]]:
    for order in notice.orders:
        for item in _order_items(order):
            yield {
                "line_number": item.line_number,
                "po_number": order.po_number,
                "status": item.status_code,
                "quantity": item.shipped_quantity.value,
                "unit": item.shipped_quantity.unit,
                "unit_price": item.unit_price.amount.amount if item.unit_price else None,
                "description": item.descriptions[0] if item.descriptions else None,
            } | _first_item(item.items)


def _document_header(canonical: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document = document_from_dict(canonical)
    head: dict[str, Any]
    if isinstance(document, PurchaseOrder):
        head = {"po_number": document.po_number, "document_date": document.order_date.isoformat()}
        head |= {"currency": document.currency, "release_number": document.release_number}
        lines = list(_po_lines(document))
    elif isinstance(document, Acknowledgement):
        head = {"po_number": document.po_number, "status": document.status.value}
        head |= {"currency": document.currency, "release_number": document.release_number}
        head |= {"document_date": document.ack_date.isoformat() if document.ack_date else None}
        lines = list(_ack_lines(document))
    elif isinstance(document, ShipNotice):
        po_numbers = [o.po_number for o in document.orders if o.po_number]
        head = {"po_number": po_numbers[0] if po_numbers else None, "shipment_id": document.shipment_id}
        head |= {"document_date": document.notice_date.isoformat()}
        lines = list(_ship_lines(document))
    else:
        return {}, []
    return head | {"purpose": document.purpose.value}, lines


def rows_of(delivery: Delivery) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header row and line rows of a delivery, as fields (before the column mapping).

    An event (``kind`` not a canonical document) is a header row only, its payload in ``document``.
    """
    if delivery.is_document:
        head, lines = _document_header(delivery.canonical)
    else:
        head, lines = {"po_number": delivery.number, "status": delivery.canonical.get("status")}, []
    header = (
        dict.fromkeys(HEADER_FIELDS)
        | {
            KEY_FIELD: delivery.idempotency_key,
            "document_id": delivery.document_id,
            "kind": delivery.kind,
            "partner": delivery.partner_code,
            "number": delivery.number,
            "line_count": len(lines),
            "document": json.dumps(delivery.canonical, sort_keys=True, separators=(",", ":")),
            "staged_at": utcnow(),
        }
        | head
    )
    numbered = [
        dict.fromkeys(LINE_FIELDS) | {KEY_FIELD: delivery.idempotency_key, "line_index": index} | line
        for index, line in enumerate(lines, start=1)
    ]
    return header, numbered


def _mapped(fields: Mapping[str, Any], columns: Mapping[str, str], table: Table) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in fields.items():
        column = columns.get(name, name)
        if column and column in table.c:
            row[column] = _fit(value, table.c[column].type)
    return row


def _fit(value: Any, kind: TypeEngine[Any]) -> Any:
    """The value as the ERP's column type takes it: text for text columns, a date for date columns."""
    if value is None:
        return None
    if isinstance(kind, String | Text) and not isinstance(value, str):
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)
    if isinstance(kind, Date) and not isinstance(kind, DateTime) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _split(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    return schema or None, table


_databases: dict[str, Database] = {}


def staging_database(url: str) -> Database:
    """The staging database's engine (one per process and URL, separate from the gateway's)."""
    if url not in _databases:
        _databases[url] = Database(url)
    return _databases[url]


@lru_cache(maxsize=32)
def reflected(url: str, name: str) -> Table:
    """The ERP's table as it is (reflected once per process)."""
    schema, table = _split(name)
    return Table(table, MetaData(schema=schema), autoload_with=staging_database(url).engine)


def forget_staging() -> None:
    """Drop the cached engines and reflected tables (after the ERP changed its tables)."""
    reflected.cache_clear()
    for database in _databases.values():
        database.dispose()
    _databases.clear()


@dataclass
class SqlStagingConnector:
    """Insert each delivery as header + lines into the ERP's staging tables, once."""

    url: str
    header_table: str
    line_table: str
    header_columns: Mapping[str, str]
    line_columns: Mapping[str, str]
    name: str = "sql"

    def deliver(self, delivery: Delivery) -> str:
        header_table = reflected(self.url, self.header_table)
        key_column = self.header_columns.get(KEY_FIELD, KEY_FIELD)
        if key_column not in header_table.c:
            raise PermanentJobError(f"staging table {self.header_table} has no {key_column} column")
        fields, line_fields = rows_of(delivery)
        header = _mapped(fields, self.header_columns, header_table)
        lines = []
        if line_fields:
            line_table = reflected(self.url, self.line_table)
            lines = [_mapped(f, self.line_columns, line_table) for f in line_fields]
        try:
            with staging_database(self.url).transaction() as session:
                session.execute(insert(header_table).values(header))
                if lines:
                    session.execute(insert(line_table), lines)
        except IntegrityError:
            if self._staged(header_table, key_column, delivery.idempotency_key):
                return f"already staged in {self.header_table}"
            raise
        return f"staged in {self.header_table} with {len(lines)} lines"

    def _staged(self, table: Table, key_column: str, key: str) -> bool:
        with staging_database(self.url).sessions() as session:
            found = session.scalar(select(table.c[key_column]).where(table.c[key_column] == key))
        return found is not None


def staging_metadata(
    header_table: str = "edigw_erp_header",
    line_table: str = "edigw_erp_line",
    outbound_table: str = DEFAULT_OUTBOUND_TABLE,
) -> MetaData:
    """The default layout of the staging tables, for the ERP's DBA (``edigw erp staging-tables``)."""
    metadata = MetaData()
    schema, name = _split(header_table)
    Table(
        name,
        metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column(KEY_FIELD, String(KEY_CHARS), nullable=False, unique=True),
        Column("document_id", BigInteger),
        Column("kind", String(30), nullable=False),
        Column("partner", String(64), nullable=False),
        Column("number", String(80)),
        Column("po_number", String(80)),
        Column("document_date", String(10)),
        Column("purpose", String(20)),
        Column("status", String(30)),
        Column("currency", String(3)),
        Column("release_number", String(30)),
        Column("shipment_id", String(80)),
        Column("line_count", Integer),
        Column("document", Text, nullable=False),
        Column("staged_at", DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    schema, name = _split(line_table)
    Table(
        name,
        metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column(KEY_FIELD, String(KEY_CHARS), nullable=False),
        Column("line_index", Integer, nullable=False),
        Column("line_number", String(20)),
        Column("po_number", String(80)),
        Column("item", String(80)),
        Column("item_kind", String(30)),
        Column("description", String(500)),
        Column("quantity", Numeric(18, 6)),
        Column("unit", String(10)),
        Column("unit_price", Numeric(18, 6)),
        Column("currency", String(3)),
        Column("status", String(30)),
        Column("date", String(10)),
        UniqueConstraint(KEY_FIELD, "line_index"),
        schema=schema,
    )
    outbound_metadata(metadata, outbound_table)
    return metadata


def outbound_metadata(metadata: MetaData, outbound_table: str) -> Table:
    """The table the ERP writes documents for partners into; the gateway polls it (``erp.poll_staging``)."""
    schema, name = _split(outbound_table)
    return Table(
        name,
        metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("partner", String(64), nullable=False),
        Column("document", Text, nullable=False),
        Column("status", String(20), nullable=False, server_default="new", index=True),
        Column("document_id", BigInteger),
        Column("exchange_id", BigInteger),
        Column("error", Text),
        Column("created_at", DateTime(timezone=True)),
        Column("taken_at", DateTime(timezone=True)),
        schema=schema,
    )
