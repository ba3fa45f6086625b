"""UN/EDIFACT code values <-> canonical enums (data). The first code listed for a member is the one
rendered; other codes are synonyms read as that member with the partner's code kept in ``qualifier``."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from translators import codemap
from translators.canonical import (
    AckStatus,
    DateKind,
    ItemIdKind,
    LineStatus,
    OrderType,
    PartyIdScheme,
    PartyRole,
    Purpose,
    ReferenceKind,
)

E = TypeVar("E", bound=StrEnum)


class CodeMap(codemap.CodeMap[E]):
    """EDIFACT elements are rendered as strings: no code is an empty component."""

    def code(self, member: E, qualifier: str | None) -> str:
        return super().code(member, qualifier) or ""


# 1225 message function
PURPOSE = CodeMap.build(
    (
        ("9", Purpose.ORIGINAL),
        ("1", Purpose.CANCELLATION),
        ("5", Purpose.REPLACE),
        ("4", Purpose.CHANGE),
        ("7", Purpose.DUPLICATE),
        ("6", Purpose.CONFIRMATION),
        ("3", Purpose.CANCELLATION),
        ("31", Purpose.DUPLICATE),
    ),
    Purpose.OTHER,
)

# 1001 document name (ORDERS)
ORDER_TYPE = CodeMap.build(
    (
        ("220", OrderType.STANDALONE),
        ("221", OrderType.BLANKET),
        ("226", OrderType.RELEASE),
        ("224", OrderType.RUSH),
        ("227", OrderType.CONSIGNED),
        ("22E", OrderType.DROP_SHIP),
        ("402", OrderType.REPLENISHMENT),
        ("225", OrderType.CONTRACT),
        ("258", OrderType.SAMPLE),
        ("105", OrderType.STANDALONE),
    ),
    OrderType.OTHER,
)

# 3035 party function
PARTY_ROLE = CodeMap.build(
    (
        ("BY", PartyRole.BUYER),
        ("SE", PartyRole.SELLER),
        ("DP", PartyRole.SHIP_TO),
        ("SF", PartyRole.SHIP_FROM),
        ("IV", PartyRole.BILL_TO),
        ("PE", PartyRole.REMIT_TO),
        ("OB", PartyRole.ORDERED_BY),
        ("SU", PartyRole.SUPPLIER),
        ("MF", PartyRole.MANUFACTURER),
        ("CA", PartyRole.CARRIER),
        ("CN", PartyRole.CONSIGNEE),
        ("UC", PartyRole.MARK_FOR),
        ("AB", PartyRole.BUYING_PARTY_AGENT),
        ("ST", PartyRole.SHIP_TO),
        ("CZ", PartyRole.SHIP_FROM),
        ("BT", PartyRole.BILL_TO),
    ),
    PartyRole.OTHER,
)

# 3055 code list responsible agency (NAD C082)
PARTY_ID = CodeMap.build(
    (
        ("16", PartyIdScheme.DUNS),
        ("9", PartyIdScheme.GLN),
        ("92", PartyIdScheme.ASSIGNED_BY_BUYER),
        ("91", PartyIdScheme.ASSIGNED_BY_SELLER),
        ("ZZZ", PartyIdScheme.MUTUALLY_DEFINED),
        ("", PartyIdScheme.MUTUALLY_DEFINED),
    ),
    PartyIdScheme.OTHER,
)

# 7143 item type identification
ITEM_ID = CodeMap.build(
    (
        ("IN", ItemIdKind.BUYER_PART),
        ("SA", ItemIdKind.VENDOR_PART),
        ("MF", ItemIdKind.MANUFACTURER_PART),
        ("UP", ItemIdKind.UPC),
        ("SRV", ItemIdKind.GTIN),
        ("EN", ItemIdKind.EAN),
        ("SK", ItemIdKind.SKU),
        ("SRT", ItemIdKind.STYLE),
        ("SRU", ItemIdKind.COLOR),
        ("SRZ", ItemIdKind.SIZE),
        ("DR", ItemIdKind.DRAWING),
        ("RV", ItemIdKind.REVISION),
        ("SN", ItemIdKind.SERIAL),
        ("NB", ItemIdKind.LOT),
        ("BP", ItemIdKind.BUYER_PART),
        ("VN", ItemIdKind.VENDOR_PART),
        ("VP", ItemIdKind.VENDOR_PART),
    ),
    ItemIdKind.OTHER,
)

# 2005 date/time/period function
DATE_KIND = CodeMap.build(
    (
        ("137", DateKind.DOCUMENT),
        ("2", DateKind.REQUESTED_DELIVERY),
        ("10", DateKind.REQUESTED_SHIP),
        ("69", DateKind.PROMISED_DELIVERY),
        ("200", DateKind.PROMISED_SHIP),
        ("17", DateKind.ESTIMATED_DELIVERY),
        ("11", DateKind.SHIPPED),
        ("35", DateKind.DELIVERED),
        ("64", DateKind.DELIVER_NOT_BEFORE),
        ("63", DateKind.DELIVER_NOT_AFTER),
        ("15", DateKind.SHIP_NOT_BEFORE),
        ("38", DateKind.SHIP_NOT_AFTER),
        ("61", DateKind.CANCEL_AFTER),
        ("7", DateKind.EFFECTIVE),
        ("36", DateKind.EXPIRY),
        ("94", DateKind.PRODUCTION),
        ("132", DateKind.ESTIMATED_DELIVERY),
        ("4", DateKind.DOCUMENT),
    ),
    DateKind.OTHER,
)

# 1153 reference code qualifier
REFERENCE_KIND = CodeMap.build(
    (
        ("DP", ReferenceKind.DEPARTMENT),
        ("VR", ReferenceKind.VENDOR_NUMBER),
        ("CT", ReferenceKind.CONTRACT),
        ("PD", ReferenceKind.PROMOTION),
        ("CR", ReferenceKind.CUSTOMER_ORDER),
        ("VN", ReferenceKind.SALES_ORDER),
        ("ON", ReferenceKind.PURCHASE_ORDER),
        ("IV", ReferenceKind.INVOICE),
        ("BM", ReferenceKind.BILL_OF_LADING),
        ("CN", ReferenceKind.CARRIER_PRO),
        ("SRN", ReferenceKind.TRACKING),
        ("PK", ReferenceKind.PACKING_LIST),
        ("AAG", ReferenceKind.QUOTE),
        ("AEP", ReferenceKind.PROJECT),
        ("IA", ReferenceKind.INTERNAL_VENDOR),
        ("DQ", ReferenceKind.PACKING_LIST),
        ("AAK", ReferenceKind.PACKING_LIST),
    ),
    ReferenceKind.OTHER,
)

# ORDRSP 1225 message function read as the answer to the whole order
ACK_FUNCTION = CodeMap.build(
    (("29", AckStatus.ACCEPTED), ("27", AckStatus.REJECTED), ("4", AckStatus.ACCEPTED_WITH_CHANGES)),
    AckStatus.OTHER,
)

# ORDRSP 4343 response type, used when 1225 carries a purpose instead
ACK_RESPONSE = CodeMap.build(
    (
        ("AP", AckStatus.ACCEPTED),
        ("AC", AckStatus.ACCEPTED_WITH_CHANGES),
        ("CA", AckStatus.ACCEPTED_WITH_EXCEPTIONS),
        ("AB", AckStatus.ACCEPTED_NO_DETAIL),
        ("RE", AckStatus.REJECTED),
        ("NA", AckStatus.REJECTED_NO_DETAIL),
        ("AH", AckStatus.PENDING),
    ),
    AckStatus.OTHER,
)

# 1229 action request/notification (ORDRSP LIN)
LINE_STATUS = CodeMap.build(
    (
        ("5", LineStatus.ACCEPTED),
        ("6", LineStatus.ACCEPTED_WITH_CHANGES),
        ("3", LineStatus.QUANTITY_CHANGED),
        ("7", LineStatus.REJECTED),
        ("2", LineStatus.DELETED),
        ("1", LineStatus.SUBSTITUTED),
        ("4", LineStatus.ON_HOLD),
    ),
    LineStatus.OTHER,
)

# 6063 quantity type
QTY_ORDERED = "21"
QTY_DESPATCHED = "12"
QTY_TO_DELIVER = "113"
QTY_BACKORDER = "83"
QTY_PER_PACK = "52"
# 4451 text subject, 6343 currency usage, 5025 amounts, 6069 control totals
CURRENCY_REFERENCE = "2"
MOA_TOTAL = "86"
MOA_LINE_TOTAL = "79"
CNT_QUANTITY = "1"
CNT_LINES = "2"
# 2379 date formats
FORMAT_DATE = "102"
FORMAT_DATETIME = "203"
FORMAT_DATETIME_SECONDS = "204"
FORMAT_SHORT_DATE = "101"
# 4233 marking instructions, 7405 identity number qualifier
PCI_SSCC = "33E"
GIN_SSCC = "BJ"
GIN_BATCH = "BX"
GIN_SERIAL = "BN"
