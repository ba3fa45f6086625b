"""Value objects shared between the documents of one translation, built without re-validation.

Quantities, prices, dates and item ids come back again and again in a file (the same unit, price, delivery
date or article on many lines and in many messages). The maps read them here: the first time a value is
read from its components it is built with ``CanonicalModel.trusted`` (its fields are already typed:
``Decimal``, ``date``, enum members), and a repeat of the very same components - ``6`` and ``6.0`` are
different components - hands back that frozen instance: a dict look-up instead of parsing and building,
and the documents hold one object where they held one per occurrence, so a caller keeping many documents
gives the cyclic garbage collector a few times fewer objects to scan.

A value is only kept when it was read without error (a bad value raises, so every bad occurrence is still
reported at its own position). Each kind keeps the first ``limit`` distinct values and then learns no
more: memory stays bounded, and the garbage collector is not handed a stream of short-lived cache entries
when values hardly repeat (item ids in a large catalogue).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from translators.canonical import DateRef, ItemId, Money, Price, Quantity
from translators.edifact.maps import codes
from translators.edifact.maps.common import Doc, Reader, read_nad
from translators.edifact.syntax import Segment

Key = Hashable
SHARED_PER_KIND = 4096
NO_COMPONENTS: list[str] = []


class Kind:
    """The instances of one model already built, by the components they were read from."""

    __slots__ = ("instances", "limit")

    def __init__(self, limit: int) -> None:
        self.instances: dict[Key, Any] = {}
        self.limit = limit

    def keep(self, key: Key, instance: Any) -> Any:
        """Remember ``instance`` for ``key`` while the kind has room; returns the instance."""
        instances = self.instances
        if len(instances) < self.limit:
            instances[key] = instance
        return instance


class SharedValues:
    """One per translation: quantities, prices, dates and item ids, each kind bounded by ``limit``."""

    def __init__(self, limit: int = SHARED_PER_KIND) -> None:
        self.quantities = Kind(limit)
        self.prices = Kind(limit)
        self.items = Kind(limit)
        self.dates = Kind(limit)
        self.parties = Kind(limit)

    def quantity(self, r: Reader, seg: Segment) -> Quantity | None:
        """QTY C186 (value 6060, unit 6411) as a Quantity; None when the value is empty."""
        key = seg.key(1)
        found: Quantity | None = self.quantities.instances.get(key)
        if found is None:
            value = r.decimal(seg, 1, 2)
            if value is None:
                return None
            found = self.quantities.keep(key, Quantity.trusted(value=value, unit=seg.get(1, 3) or None))
        return found

    def date(self, r: Reader, seg: Segment) -> DateRef | None:
        """DTM C507 as a DateRef; None for formats without a single date (ranges, periods)."""
        key = seg.key(1)
        found: DateRef | None = self.dates.instances.get(key)
        if found is None:
            parsed = r.date_time(seg)
            if parsed is None:
                return None
            kind, qualifier = codes.DATE_KIND.read(seg.get(1, 1))
            date = DateRef.trusted(kind=kind, date=parsed[0], time=parsed[1], qualifier=qualifier)
            found = self.dates.keep(key, date)
        return found

    def price(self, r: Reader, seg: Segment, currency: str | None) -> Price | None:
        """PRI C509 (price 5118, basis 5375) in ``currency``; None when the price is empty."""
        key = (currency, seg.key(1))
        found: Price | None = self.prices.instances.get(key)
        if found is None:
            amount = r.decimal(seg, 1, 2)
            if amount is None:
                return None
            money = Money.trusted(amount=amount, currency=currency)
            found = self.prices.keep(key, Price.trusted(amount=money, basis=seg.get(1, 3) or None))
        return found

    def party(self, seg: Segment) -> Doc:
        """NAD as Party fields (``read_nad``). The same NAD again (the buyer, supplier and delivery party of
        every message of a file) is read once: each call gets its own dict and contact list, the one place
        a reader adds to later (CTA/COM); the ids and address inside are shared and never changed."""
        key = seg.content_key()
        found: Doc | None = self.parties.instances.get(key)
        if found is None:
            found = self.parties.keep(key, read_nad(seg))
        return {**found, "contacts": []}

    def item_ids(self, seg: Segment, element: int, count: int = 1) -> list[ItemId]:
        """Item ids of LIN C212 (``count`` 1) or of PIA's five C212 composites, blanks left out."""
        out = []
        kind = self.items
        instances = kind.instances
        stop = element + count if count == 1 else min(element + count, seg.size() + 1)
        for position in range(element, stop):
            key = seg.key(position)
            item = instances.get(key)
            if item is None:
                comps = seg.components(position)
                if not comps or not comps[0]:
                    continue
                item_kind, qualifier = codes.ITEM_ID.read(comps[1] if len(comps) > 1 else "")
                fields = {"kind": item_kind, "value": comps[0], "qualifier": qualifier}
                item = kind.keep(key, ItemId.trusted_fields(fields))
            out.append(item)
        return out
