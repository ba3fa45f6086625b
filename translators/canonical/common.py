"""Building blocks shared by every canonical document: parties, addresses, item identifiers, quantities,
money, dates, references, notes, allowances/charges, terms, FOB, carrier and the ``extensions`` that keep
data without a canonical home.

Names and code values are syntax-neutral: X12 and EDIFACT maps translate their qualifiers into these
enums. When a partner sends a code no enum member covers, the member is ``other`` and ``qualifier`` keeps
the partner's own code; ``qualifier`` also keeps a code that is a synonym of the member's usual one (e.g.
X12 VN vendor for the seller role), so nothing is lost and a round trip reproduces it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

SCHEMA_VERSION = "1.0"
QUALIFIER_HELP = (
    "the partner's own code when it is not the usual code of the canonical value (always for other)"
)
IMMUTABLE_DEFAULTS = (str, int, tuple, type(None), type(PydanticUndefined))


_REQUIRED: Any = object()
_TEMPLATES: dict[type[BaseModel], tuple[dict[str, Any], set[str]]] = {}
_new_object = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
"""The setters of BaseModel's slots, taken once (``object.__setattr__`` looks each one up per call)."""


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """An instance from values that already have their field types, without validation.

        For translators whose typed readers produced the values (``Decimal``, ``date``, enum members,
        tuples of models): the result equals ``cls(**values)`` field for field, in the same field order,
        and serialises identically, at a fraction of the cost. Every field counts as set; the instances
        of a class share that (never mutated: frozen models refuse assignment and copies copy it), which
        keeps the garbage collector's work on large documents down. Anything else must use the
        validating constructor.
        """
        template = (_TEMPLATES.get(cls) or _template(cls))[0]
        return cls.trusted_fields({**template, **values})

    @classmethod
    def trusted_fields(cls, fields: dict[str, Any]) -> Self:
        """``trusted`` for a caller that already holds every field, in declaration order: the instance
        takes ``fields`` over as its ``__dict__`` (no copy, no defaults filled in), so the caller must not
        touch the dict afterwards. For the hottest builders only; the same contract as ``trusted``."""
        all_fields = (_TEMPLATES.get(cls) or _template(cls))[1]
        instance = _new_object(cls)
        _set_dict(instance, fields)
        _set_fields_set(instance, all_fields)
        _set_extra(instance, None)
        _set_private(instance, None)
        return instance


def _template(cls: type[CanonicalModel]) -> tuple[dict[str, Any], set[str]]:
    """Every field of ``cls`` in declaration order with its default (immutable by construction)."""
    template: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if info.default_factory is not None or not isinstance(info.default, IMMUTABLE_DEFAULTS):
            raise TypeError(f"{cls.__name__}.{name}: trusted() needs an immutable plain default")
        template[name] = _REQUIRED if info.is_required() else info.default
    _TEMPLATES[cls] = template, set(template)
    return _TEMPLATES[cls]


class PartyRole(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    SHIP_TO = "ship_to"
    SHIP_FROM = "ship_from"
    BILL_TO = "bill_to"
    REMIT_TO = "remit_to"
    ORDERED_BY = "ordered_by"
    SUPPLIER = "supplier"
    MANUFACTURER = "manufacturer"
    CARRIER = "carrier"
    CONSIGNEE = "consignee"
    MARK_FOR = "mark_for"
    BUYING_PARTY_AGENT = "buying_party_agent"
    OTHER = "other"


class PartyIdScheme(StrEnum):
    DUNS = "duns"
    DUNS_PLUS_4 = "duns_plus_4"
    GLN = "gln"
    ASSIGNED_BY_BUYER = "assigned_by_buyer"
    ASSIGNED_BY_SELLER = "assigned_by_seller"
    MUTUALLY_DEFINED = "mutually_defined"
    OTHER = "other"


class ItemIdKind(StrEnum):
    BUYER_PART = "buyer_part"
    VENDOR_PART = "vendor_part"
    MANUFACTURER_PART = "manufacturer_part"
    UPC = "upc"
    GTIN = "gtin"
    EAN = "ean"
    SKU = "sku"
    STYLE = "style"
    COLOR = "color"
    SIZE = "size"
    DRAWING = "drawing"
    REVISION = "revision"
    SERIAL = "serial"
    LOT = "lot"
    OTHER = "other"


class DateKind(StrEnum):
    DOCUMENT = "document"
    REQUESTED_DELIVERY = "requested_delivery"
    REQUESTED_SHIP = "requested_ship"
    PROMISED_DELIVERY = "promised_delivery"
    PROMISED_SHIP = "promised_ship"
    ESTIMATED_DELIVERY = "estimated_delivery"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    DELIVER_NOT_BEFORE = "deliver_not_before"
    DELIVER_NOT_AFTER = "deliver_not_after"
    SHIP_NOT_BEFORE = "ship_not_before"
    SHIP_NOT_AFTER = "ship_not_after"
    CANCEL_AFTER = "cancel_after"
    EFFECTIVE = "effective"
    EXPIRY = "expiry"
    PRODUCTION = "production"
    OTHER = "other"


class ReferenceKind(StrEnum):
    DEPARTMENT = "department"
    VENDOR_NUMBER = "vendor_number"
    CONTRACT = "contract"
    PROMOTION = "promotion"
    CUSTOMER_ORDER = "customer_order"
    SALES_ORDER = "sales_order"
    PURCHASE_ORDER = "purchase_order"
    INVOICE = "invoice"
    BILL_OF_LADING = "bill_of_lading"
    CARRIER_PRO = "carrier_pro"
    TRACKING = "tracking"
    PACKING_LIST = "packing_list"
    QUOTE = "quote"
    PROJECT = "project"
    INTERNAL_VENDOR = "internal_vendor"
    OTHER = "other"


class AllowanceOrCharge(StrEnum):
    ALLOWANCE = "allowance"
    CHARGE = "charge"


class Quantity(CanonicalModel):
    """An amount of something with its unit code as given by the partner (X12 355 / UN/ECE rec. 20)."""

    value: Decimal
    unit: str | None = None


class Money(CanonicalModel):
    amount: Decimal
    currency: str | None = None


class Price(CanonicalModel):
    """A unit price; ``basis`` is the partner's price basis code (e.g. per each, catalog, contract)."""

    amount: Money
    basis: str | None = None


class DateRef(CanonicalModel):
    kind: DateKind
    date: dt.date
    time: dt.time | None = None
    qualifier: str | None = Field(default=None, description=QUALIFIER_HELP)


class Reference(CanonicalModel):
    kind: ReferenceKind
    value: str
    description: str | None = None
    qualifier: str | None = Field(default=None, description=QUALIFIER_HELP)


class Note(CanonicalModel):
    text: str
    topic: str | None = Field(default=None, description="partner's note topic code, if any")


class PartyId(CanonicalModel):
    scheme: PartyIdScheme
    value: str
    qualifier: str | None = Field(default=None, description=QUALIFIER_HELP)


class Address(CanonicalModel):
    lines: tuple[str, ...] = ()
    city: str | None = None
    region: str | None = Field(default=None, description="state, province or county code")
    postal_code: str | None = None
    country: str | None = None


class Contact(CanonicalModel):
    function: str | None = Field(default=None, description="contact function code as given")
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    fax: str | None = None


class Party(CanonicalModel):
    role: PartyRole
    name: str | None = None
    additional_names: tuple[str, ...] = ()
    ids: tuple[PartyId, ...] = ()
    address: Address | None = None
    contacts: tuple[Contact, ...] = ()
    qualifier: str | None = Field(default=None, description=QUALIFIER_HELP)


class ItemId(CanonicalModel):
    kind: ItemIdKind
    value: str
    qualifier: str | None = Field(default=None, description=QUALIFIER_HELP)


class AllowanceCharge(CanonicalModel):
    indicator: AllowanceOrCharge
    code: str | None = Field(default=None, description="service/promotion/allowance/charge code as given")
    amount: Money | None = None
    percent: Decimal | None = None
    rate: Decimal | None = None
    quantity: Quantity | None = None
    handling: str | None = Field(default=None, description="method of handling code as given")
    description: str | None = None


class PaymentTerms(CanonicalModel):
    type_code: str | None = None
    basis_code: str | None = None
    discount_percent: Decimal | None = None
    discount_due_date: dt.date | None = None
    discount_days: int | None = None
    net_due_date: dt.date | None = None
    net_days: int | None = None
    description: str | None = None


class Fob(CanonicalModel):
    """Free-on-board: who pays the transport and where title passes (codes as given)."""

    payment_method: str
    location_qualifier: str | None = None
    location: str | None = None
    description: str | None = None


class Carrier(CanonicalModel):
    """Routing and carrier: SCAC or other id, transport mode, service level."""

    routing_sequence: str | None = None
    id_qualifier: str | None = None
    id: str | None = None
    transport_method: str | None = None
    name: str | None = None
    service_level: str | None = None


class Extension(CanonicalModel):
    """A segment with no canonical home, kept verbatim. Each element is its list of components."""

    tag: str
    elements: tuple[tuple[str, ...], ...] = ()
