"""Value objects shared between the documents of one translation.

Quantities, prices, dates and item ids come back again and again in a file (the same unit, price, delivery
date or article on many lines and in many messages). The first time one is read, the maps hand its plain
fields to ``model_validate`` like any other; afterwards the frozen instance that validation built is
handed in instead, and pydantic-core takes an instance of the field's own class as it is (the canonical
models never re-validate instances). A repeat then costs a dict look-up instead of a validation, and the
documents hold one object where they held one per occurrence, so a caller keeping many documents gives
the cyclic garbage collector a few times fewer objects to scan.

A key holds every field the maps fill in, Decimals by their text (``6`` and ``6.0`` are different values),
so an instance is only ever used where validating the plain fields would have built an equal one. Each
kind keeps the first ``limit`` distinct values and then learns no more: memory stays bounded, and the
garbage collector is not handed a stream of short-lived cache entries when values hardly repeat (item
ids in a large catalogue).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableSequence
from typing import Any

from translators.canonical import DateRef, ItemId, Price, Quantity

Doc = dict[str, Any]
Key = tuple[Any, ...]
SHARED_PER_KIND = 4096


def quantity_key(fields: Doc) -> Key:
    return (str(fields["value"]), fields["unit"])


def quantity_instance_key(value: Quantity) -> Key:
    return (str(value.value), value.unit)


def price_key(fields: Doc) -> Key:
    amount = fields["amount"]
    return (str(amount["amount"]), amount["currency"], fields["basis"])


def price_instance_key(value: Price) -> Key:
    return (str(value.amount.amount), value.amount.currency, value.basis)


def item_key(fields: Doc) -> Key:
    return (fields["kind"], fields["value"], fields["qualifier"])


def item_instance_key(value: ItemId) -> Key:
    return (value.kind, value.value, value.qualifier)


def date_key(fields: Doc) -> Key:
    return (fields["kind"], fields["date"], fields["time"], fields["qualifier"])


def date_instance_key(value: DateRef) -> Key:
    return (value.kind, value.date, value.time, value.qualifier)


class Kind:
    """The instances of one model already built, by the key of the fields they were built from."""

    __slots__ = ("field_key", "instance_key", "instances", "limit", "missed")

    def __init__(
        self, field_key: Callable[[Doc], Key], instance_key: Callable[[Any], Key], limit: int
    ) -> None:
        self.field_key = field_key
        self.instance_key = instance_key
        self.instances: dict[Key, Any] = {}
        self.limit = limit
        self.missed = False

    def use(self, fields: Any) -> Any:
        """The shared instance for these plain fields, else the fields themselves (None stays None)."""
        if fields is None or fields.__class__ is not dict:
            return fields
        instances = self.instances
        found = instances.get(self.field_key(fields))
        if found is None:
            if len(instances) < self.limit:
                self.missed = True
            return fields
        return found

    def use_all(self, values: MutableSequence[Any]) -> None:
        for i, fields in enumerate(values):
            values[i] = self.use(fields)

    def learn(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        """Remember the instances validation built from plain fields that were not shared yet: ``pairs``
        are (what was handed to validation, what the document holds there). A pair whose instance does not
        carry exactly those fields is skipped, so a walk out of step can only cost a later miss."""
        known, field_key, instance_key = self.instances, self.field_key, self.instance_key
        for given, instance in pairs:
            if given is None or given.__class__ is not dict:
                continue
            key = field_key(given)
            if key in known or key != instance_key(instance):
                continue
            if len(known) >= self.limit:
                return
            known[key] = instance


class SharedValues:
    """One per translation: quantities, prices, dates and item ids, each kind bounded by ``limit``."""

    def __init__(self, limit: int = SHARED_PER_KIND) -> None:
        self.quantities = Kind(quantity_key, quantity_instance_key, limit)
        self.prices = Kind(price_key, price_instance_key, limit)
        self.items = Kind(item_key, item_instance_key, limit)
        self.dates = Kind(date_key, date_instance_key, limit)

    def missed(self) -> bool:
        """True when a value was looked up in vain since the last ``learned()``."""
        return self.quantities.missed or self.prices.missed or self.items.missed or self.dates.missed

    def learned(self) -> None:
        for kind in (self.quantities, self.prices, self.items, self.dates):
            kind.missed = False
