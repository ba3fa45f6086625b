"""X12 code values <-> canonical enums (data). The first code listed for a member is the one rendered;
the others are synonyms read as that member, their code kept in ``qualifier`` so it renders back."""

from __future__ import annotations

from translators.canonical import (
    AckLevelStatus,
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
from translators.codemap import CodeMap

PURPOSE = CodeMap.build(
    (
        ("00", Purpose.ORIGINAL),
        ("01", Purpose.CANCELLATION),
        ("05", Purpose.REPLACE),
        ("04", Purpose.CHANGE),
        ("07", Purpose.DUPLICATE),
        ("06", Purpose.CONFIRMATION),
    ),
    Purpose.OTHER,
)

ORDER_TYPE = CodeMap.build(
    (
        ("SA", OrderType.STANDALONE),
        ("BK", OrderType.BLANKET),
        ("RL", OrderType.RELEASE),
        ("DS", OrderType.DROP_SHIP),
        ("RO", OrderType.RUSH),
        ("CN", OrderType.CONSIGNED),
        ("NS", OrderType.NEW_STORE),
        ("RE", OrderType.REPLENISHMENT),
        ("KN", OrderType.CONTRACT),
        ("SP", OrderType.SAMPLE),
    ),
    OrderType.OTHER,
)

PARTY_ROLE = CodeMap.build(
    (
        ("BY", PartyRole.BUYER),
        ("SE", PartyRole.SELLER),
        ("ST", PartyRole.SHIP_TO),
        ("SF", PartyRole.SHIP_FROM),
        ("BT", PartyRole.BILL_TO),
        ("RI", PartyRole.REMIT_TO),
        ("OB", PartyRole.ORDERED_BY),
        ("SU", PartyRole.SUPPLIER),
        ("MF", PartyRole.MANUFACTURER),
        ("CA", PartyRole.CARRIER),
        ("CN", PartyRole.CONSIGNEE),
        ("Z7", PartyRole.MARK_FOR),
        ("AG", PartyRole.BUYING_PARTY_AGENT),
        ("VN", PartyRole.SELLER),
        ("BS", PartyRole.BILL_TO),
        ("PR", PartyRole.BUYER),
    ),
    PartyRole.OTHER,
)

PARTY_ID = CodeMap.build(
    (
        ("1", PartyIdScheme.DUNS),
        ("9", PartyIdScheme.DUNS_PLUS_4),
        ("UL", PartyIdScheme.GLN),
        ("92", PartyIdScheme.ASSIGNED_BY_BUYER),
        ("91", PartyIdScheme.ASSIGNED_BY_SELLER),
        ("ZZ", PartyIdScheme.MUTUALLY_DEFINED),
    ),
    PartyIdScheme.OTHER,
)

ITEM_ID = CodeMap.build(
    (
        ("BP", ItemIdKind.BUYER_PART),
        ("VP", ItemIdKind.VENDOR_PART),
        ("MG", ItemIdKind.MANUFACTURER_PART),
        ("UP", ItemIdKind.UPC),
        ("UK", ItemIdKind.GTIN),
        ("EN", ItemIdKind.EAN),
        ("SK", ItemIdKind.SKU),
        ("ST", ItemIdKind.STYLE),
        ("CL", ItemIdKind.COLOR),
        ("SZ", ItemIdKind.SIZE),
        ("DR", ItemIdKind.DRAWING),
        ("EC", ItemIdKind.REVISION),
        ("SN", ItemIdKind.SERIAL),
        ("LT", ItemIdKind.LOT),
        ("VN", ItemIdKind.VENDOR_PART),
        ("VA", ItemIdKind.VENDOR_PART),
        ("VC", ItemIdKind.VENDOR_PART),
        ("IN", ItemIdKind.BUYER_PART),
        ("CB", ItemIdKind.BUYER_PART),
        ("UI", ItemIdKind.UPC),
        ("UA", ItemIdKind.UPC),
        ("IT", ItemIdKind.STYLE),
        ("PI", ItemIdKind.BUYER_PART),
    ),
    ItemIdKind.OTHER,
)

DATE_KIND = CodeMap.build(
    (
        ("004", DateKind.DOCUMENT),
        ("002", DateKind.REQUESTED_DELIVERY),
        ("010", DateKind.REQUESTED_SHIP),
        ("067", DateKind.PROMISED_DELIVERY),
        ("068", DateKind.PROMISED_SHIP),
        ("017", DateKind.ESTIMATED_DELIVERY),
        ("011", DateKind.SHIPPED),
        ("035", DateKind.DELIVERED),
        ("064", DateKind.DELIVER_NOT_BEFORE),
        ("063", DateKind.DELIVER_NOT_AFTER),
        ("037", DateKind.SHIP_NOT_BEFORE),
        ("038", DateKind.SHIP_NOT_AFTER),
        ("001", DateKind.CANCEL_AFTER),
        ("007", DateKind.EFFECTIVE),
        ("036", DateKind.EXPIRY),
        ("094", DateKind.PRODUCTION),
        ("069", DateKind.PROMISED_DELIVERY),
        ("074", DateKind.REQUESTED_DELIVERY),
        ("106", DateKind.REQUESTED_DELIVERY),
    ),
    DateKind.OTHER,
)

REFERENCE_KIND = CodeMap.build(
    (
        ("DP", ReferenceKind.DEPARTMENT),
        ("VR", ReferenceKind.VENDOR_NUMBER),
        ("CT", ReferenceKind.CONTRACT),
        ("PD", ReferenceKind.PROMOTION),
        ("CO", ReferenceKind.CUSTOMER_ORDER),
        ("VN", ReferenceKind.SALES_ORDER),
        ("PO", ReferenceKind.PURCHASE_ORDER),
        ("IV", ReferenceKind.INVOICE),
        ("BM", ReferenceKind.BILL_OF_LADING),
        ("CN", ReferenceKind.CARRIER_PRO),
        ("2I", ReferenceKind.TRACKING),
        ("PK", ReferenceKind.PACKING_LIST),
        ("Q1", ReferenceKind.QUOTE),
        ("JB", ReferenceKind.PROJECT),
        ("IA", ReferenceKind.INTERNAL_VENDOR),
    ),
    ReferenceKind.OTHER,
)

ACK_STATUS = CodeMap.build(
    (
        ("AD", AckStatus.ACCEPTED),
        ("AC", AckStatus.ACCEPTED_WITH_CHANGES),
        ("AE", AckStatus.ACCEPTED_WITH_EXCEPTIONS),
        ("AK", AckStatus.ACCEPTED_NO_DETAIL),
        ("RD", AckStatus.REJECTED),
        ("RJ", AckStatus.REJECTED_NO_DETAIL),
        ("AT", AckStatus.ACCEPTED),
    ),
    AckStatus.OTHER,
)

LINE_STATUS = CodeMap.build(
    (
        ("IA", LineStatus.ACCEPTED),
        ("IC", LineStatus.ACCEPTED_WITH_CHANGES),
        ("IQ", LineStatus.QUANTITY_CHANGED),
        ("IP", LineStatus.PRICE_CHANGED),
        ("DR", LineStatus.DATE_CHANGED),
        ("IS", LineStatus.SUBSTITUTED),
        ("IB", LineStatus.BACKORDERED),
        ("BP", LineStatus.PARTIALLY_BACKORDERED),
        ("IH", LineStatus.ON_HOLD),
        ("IR", LineStatus.REJECTED),
        ("ID", LineStatus.DELETED),
        ("AC", LineStatus.SHIPPED),
        ("IW", LineStatus.ON_HOLD),
        ("R1", LineStatus.REJECTED),
        ("R2", LineStatus.REJECTED),
        ("R3", LineStatus.REJECTED),
        ("R4", LineStatus.REJECTED),
    ),
    LineStatus.OTHER,
)

ACK_LEVEL = CodeMap.build(
    (
        ("A", AckLevelStatus.ACCEPTED),
        ("E", AckLevelStatus.ACCEPTED_WITH_ERRORS),
        ("P", AckLevelStatus.PARTIALLY_ACCEPTED),
        ("R", AckLevelStatus.REJECTED),
        ("M", AckLevelStatus.REJECTED),
        ("W", AckLevelStatus.REJECTED),
        ("X", AckLevelStatus.REJECTED),
    ),
    AckLevelStatus.OTHER,
)
