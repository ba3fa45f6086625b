"""What a header, a line or an HL level holds in common while it is being read: references, dates, notes,
contacts, N1 party loops, allowances/charges, terms, FOB, carriers, measures, equipment and extensions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from translators.canonical import (
    AllowanceCharge,
    Carrier,
    Contact,
    DateRef,
    Equipment,
    Extension,
    Fob,
    Measure,
    Note,
    Party,
    PaymentTerms,
    Reference,
)
from translators.x12.maps.context import Reader
from translators.x12.maps.segments import (
    PartyDraft,
    Segment,
    read_contact,
    read_dtm,
    read_fob,
    read_itd,
    read_note,
    read_ref,
    read_sac,
    read_td1,
    read_td3,
    read_td5,
    write_contact,
    write_dtm,
    write_fob,
    write_itd,
    write_note,
    write_party,
    write_ref,
    write_sac,
    write_td1,
    write_td3,
    write_td5,
)
from translators.x12.render import COMPONENT_MARK


class Area:
    """The segments of one area, kept as (kind, canonical value) in arrival order: one list per area
    instead of one per kind keeps allocation (and garbage collection) low on large interchanges. Once
    read, ``groups`` sorts them by kind in one pass."""

    __slots__ = ("entries", "grouped", "party")

    def __init__(self) -> None:
        self.entries: list[tuple[str, Any]] = []
        self.party: PartyDraft | None = None
        self.grouped: dict[str, tuple[Any, ...]] | None = None

    def feed(self, r: Reader, segment: Segment) -> None:
        """Take one segment; anything without a canonical home goes to ``extensions``."""
        tag = segment[0]
        self.grouped = None
        if tag == "N1":
            self.party = PartyDraft(segment)
            self.entries.append(("N1", self.party))
            return
        if self.party is not None and self.party.add(r, segment):
            return
        self.party = None
        reader = READERS.get(tag)
        value = r.read(reader, segment) if reader is not None else None
        if value is None:
            self.entries.append(("EXT", r.extension(segment)))
        else:
            self.entries.append((tag if tag != "MSG" else "NTE", value))

    def keep(self, extension: Extension) -> None:
        self.add("EXT", extension)

    def add(self, kind: str, value: Any) -> None:
        """Keep a value a map read itself (kinds other than the segment tags above)."""
        self.grouped = None
        self.entries.append((kind, value))

    def groups(self) -> dict[str, tuple[Any, ...]]:
        grouped = self.grouped
        if grouped is None:
            lists: dict[str, list[Any]] = {}
            for kind, value in self.entries:
                found = lists.get(kind)
                if found is None:
                    lists[kind] = [value]
                else:
                    found.append(value)
            grouped = self.grouped = {kind: tuple(values) for kind, values in lists.items()}
        return grouped

    def _all(self, kind: str) -> tuple[Any, ...]:
        return self.groups().get(kind, ())

    def parties(self) -> tuple[Party, ...]:
        return tuple(draft.build() for draft in self._all("N1"))

    @property
    def references(self) -> tuple[Reference, ...]:
        return self._all("REF")

    @property
    def dates(self) -> tuple[DateRef, ...]:
        return self._all("DTM")

    @property
    def notes(self) -> tuple[Note, ...]:
        return self._all("NTE")

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return self._all("PER")

    @property
    def allowances_charges(self) -> tuple[AllowanceCharge, ...]:
        return self._all("SAC")

    @property
    def terms(self) -> tuple[PaymentTerms, ...]:
        return self._all("ITD")

    @property
    def fob(self) -> tuple[Fob, ...]:
        return self._all("FOB")

    @property
    def carriers(self) -> tuple[Carrier, ...]:
        return self._all("TD5")

    @property
    def measures(self) -> tuple[Measure, ...]:
        return self._all("TD1")

    @property
    def equipment(self) -> tuple[Equipment, ...]:
        return self._all("TD3")

    @property
    def extensions(self) -> tuple[Extension, ...]:
        return self._all("EXT")


READERS: dict[str, Callable[[Reader, Segment], Any]] = {
    "REF": read_ref,
    "DTM": read_dtm,
    "NTE": lambda _r, segment: read_note(segment),
    "MSG": lambda _r, segment: read_note(segment),
    "PER": read_contact,
    "SAC": read_sac,
    "ITD": read_itd,
    "FOB": read_fob,
    "TD5": read_td5,
    "TD1": read_td1,
    "TD3": read_td3,
}


def write_common(
    *,
    references: tuple[Reference, ...] = (),
    contacts: tuple[Contact, ...] = (),
    terms: tuple[PaymentTerms, ...] = (),
    fob: tuple[Fob, ...] = (),
    allowances_charges: tuple[AllowanceCharge, ...] = (),
    dates: tuple[DateRef, ...] = (),
    measures: tuple[Measure, ...] = (),
    carriers: tuple[Carrier, ...] = (),
    equipment: tuple[Equipment, ...] = (),
) -> list[Segment]:
    """The segments before the N1 loops, in the order the standard lists them."""
    return [
        *(write_td1(m) for m in measures),
        *(write_td5(c) for c in carriers),
        *(write_td3(e) for e in equipment),
        *(write_ref(ref) for ref in references),
        *(write_contact(c) for c in contacts),
        *(write_fob(f) for f in fob),
        *(write_sac(s) for s in allowances_charges),
        *(write_itd(t) for t in terms),
        *(write_dtm(d) for d in dates),
    ]


def write_tail(
    parties: tuple[Party, ...], notes: tuple[Note, ...], extensions: tuple[Extension, ...]
) -> list[Segment]:
    """N1 loops, then notes, then the kept extensions (which a re-read puts back in the same place)."""
    segments = [segment for party in parties for segment in write_party(party)]
    segments += [write_note(note) for note in notes]
    return segments + [[ext.tag, *(_join(e) for e in ext.elements)] for ext in extensions]


def _join(element: tuple[str, ...]) -> str:
    return COMPONENT_MARK.join(element)
