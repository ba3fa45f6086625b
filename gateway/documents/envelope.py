"""Who we are and how we write to one partner: the outbound format agreed for a document kind, our
station's interchange identity, the partner's, and the translator options built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import InvalidInputError
from gateway.models.certificate import Station
from partners.formats import DOCUMENT_TYPES, AckPolicy, DocumentFormat, Syntax
from partners.formats import Direction as FormatDirection
from partners.profile import PartnerIdentities, PartnerProfile
from translators.options import OutboundOptions, Separators

NO_QUALIFIER = ""
EDIFACT_SUFFIX = ""


@dataclass(frozen=True)
class Party:
    identifier: str
    qualifier: str


@dataclass(frozen=True)
class Envelope:
    """Everything but the control numbers and the clock that an outbound interchange needs."""

    format: DocumentFormat
    station: Station
    sender: Party
    receiver: Party

    def options(self, interchange: int, group: int, message: int, now: datetime) -> OutboundOptions:
        fmt = self.format
        return OutboundOptions(
            syntax=fmt.syntax.value,
            sender_id=self.sender.identifier,
            receiver_id=self.receiver.identifier,
            sender_qualifier=self.sender.qualifier,
            receiver_qualifier=self.receiver.qualifier,
            interchange_control_number=interchange,
            group_control_number=group,
            message_control_number=message,
            now=now,
            version=fmt.version,
            test=fmt.test_mode,
            ack_requested=fmt.syntax is Syntax.EDIFACT and fmt.ack_policy is AckPolicy.CONTRL,
            separators=separators_of(fmt),
            character_set=fmt.character_set,
        )


def separators_of(fmt: DocumentFormat) -> Separators:
    """The partner's delimiters as translator separators (the translators' defaults when none are set)."""
    if fmt.syntax is Syntax.X12:
        d = fmt.effective_x12_delimiters
        return Separators(
            element=d.element, component=d.component, repetition=d.repetition, segment=d.segment
        )
    if fmt.edifact_delimiters is None:
        return Separators()
    e = fmt.edifact_delimiters
    return Separators(
        element=e.element,
        component=e.component,
        repetition=e.repetition,
        segment=e.segment,
        suffix=EDIFACT_SUFFIX,
        decimal=e.decimal,
        release=e.release,
    )


def outbound_format(profile: PartnerProfile, kind: str) -> DocumentFormat:
    """The partner's outbound format for a canonical document kind, or a 422 naming what is missing."""
    for fmt in profile.formats:
        if fmt.direction is FormatDirection.OUTBOUND and fmt.document_kind == kind:
            return fmt
    types = " / ".join(t for by_type in DOCUMENT_TYPES.values() for t, k in by_type.items() if k == kind)
    raise InvalidInputError(
        f"partner {profile.code} has no outbound format for {kind} ({types or 'not sendable'}): "
        "add one to its profile",
        location="document.kind",
    )


def _party(identities: PartnerIdentities, syntax: Syntax) -> Party | None:
    if syntax is Syntax.X12 and identities.x12:
        x12 = identities.x12[0]
        return Party(x12.isa_id, x12.isa_qualifier)
    if syntax is Syntax.EDIFACT and identities.edifact:
        unb = identities.edifact[0]
        return Party(unb.unb_id, unb.unb_qualifier or NO_QUALIFIER)
    return None


def _station(session: Session, syntax: Syntax) -> tuple[Station, Party]:
    for station in session.scalars(select(Station).order_by(Station.id)):
        party = _party(PartnerIdentities.model_validate(station.identities), syntax)
        if party is not None:
            return station, party
    raise InvalidInputError(f"none of our stations has an {syntax.value} identity: add one to a station")


def envelope_for(session: Session, profile: PartnerProfile, kind: str) -> Envelope:
    fmt = outbound_format(profile, kind)
    receiver = _party(profile.identities, fmt.syntax)
    if receiver is None:
        raise InvalidInputError(
            f"partner {profile.code} has no {fmt.syntax.value} identity to address the interchange to",
            location=f"identities.{fmt.syntax.value}",
        )
    station, sender = _station(session, fmt.syntax)
    return Envelope(fmt, station, sender, receiver)
