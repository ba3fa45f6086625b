"""What a header, a line or an HL level holds in common while it is being read: references, dates, notes,
contacts, N1 party loops, allowances/charges, terms, FOB, carriers, measures, equipment and extensions."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(slots=True)
class Area:
    references: list[Reference] = field(default_factory=list)
    dates: list[DateRef] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    drafts: list[PartyDraft] = field(default_factory=list)
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)
    terms: list[PaymentTerms] = field(default_factory=list)
    fob: list[Fob] = field(default_factory=list)
    carriers: list[Carrier] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    equipment: list[Equipment] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    in_party: bool = False

    def feed(self, r: Reader, segment: Segment) -> None:
        """Take one segment; anything without a canonical home goes to ``extensions``."""
        tag = segment[0]
        if tag == "N1":
            self.drafts.append(PartyDraft(segment))
            self.in_party = True
            return
        if self.in_party and self.drafts[-1].add(r, segment):
            return
        self.in_party = False
        if not self._common(r, segment, tag):
            self.extensions.append(r.extension(segment))

    def _common(self, r: Reader, segment: Segment, tag: str) -> bool:  # noqa: PLR0912
        if tag == "REF":
            self.references.append(read_ref(r, segment))
        elif tag == "DTM":
            date = read_dtm(r, segment)
            if date is None:
                return False
            self.dates.append(date)
        elif tag in ("NTE", "MSG"):
            self.notes.append(read_note(segment))
        elif tag == "PER":
            self.contacts.append(read_contact(r, segment))
        elif tag == "SAC":
            sac = read_sac(r, segment)
            if sac is None:
                return False
            self.allowances_charges.append(sac)
        elif tag == "ITD":
            self.terms.append(read_itd(r, segment))
        elif tag == "FOB":
            self.fob.append(read_fob(r, segment))
        elif tag == "TD5":
            self.carriers.append(read_td5(r, segment))
        elif tag == "TD1":
            self.measures.append(read_td1(r, segment))
        elif tag == "TD3":
            self.equipment.append(read_td3(r, segment))
        else:
            return False
        return True

    def parties(self) -> tuple[Party, ...]:
        return tuple(draft.build() for draft in self.drafts)


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
