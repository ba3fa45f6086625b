"""Identity uniqueness across partners, and finding the partner an inbound envelope belongs to.

An optional part of an identity (the GS ID of an X12 identity, the qualifier of an EDIFACT one) is a
wildcard: it matches any value. Two partners conflict when one identity of each could match the same
envelope: the same AS2 ID (exactly: AS2 names are case-sensitive), the same ISA qualifier+ID whose GS
IDs are equal or missing on either side, or the same UNB ID whose qualifiers are equal or missing on
either side. Partners that share one ISA ID (divisions behind one mailbox) are told apart by distinct
GS IDs. With no conflicts, :func:`find_partner` returns at most one partner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from partners.errors import DuplicateIdentityError, FieldError, Loc
from partners.profile import EdifactIdentity, PartnerIdentities, X12Identity

Directory = Iterable[tuple[str, PartnerIdentities]]


@dataclass(frozen=True, slots=True)
class IdentityConflict:
    """``loc`` (inside the candidate profile) repeats an identity of partner ``other_code``."""

    loc: Loc
    identity: str
    other_code: str

    def as_field_error(self) -> FieldError:
        message = f"{self.identity} is already used by partner {self.other_code}"
        return FieldError(self.loc, message, "identity_duplicate", {"other_partner": self.other_code})


def _same_or_open(mine: str | None, theirs: str | None) -> bool:
    return mine is None or theirs is None or mine == theirs


def _x12_clash(mine: X12Identity, theirs: X12Identity) -> bool:
    same_isa = (mine.isa_qualifier, mine.isa_id) == (theirs.isa_qualifier, theirs.isa_id)
    return same_isa and _same_or_open(mine.gs_id, theirs.gs_id)


def _edifact_clash(mine: EdifactIdentity, theirs: EdifactIdentity) -> bool:
    return mine.unb_id == theirs.unb_id and _same_or_open(mine.unb_qualifier, theirs.unb_qualifier)


def _label_x12(identity: X12Identity) -> str:
    gs = f" / GS {identity.gs_id}" if identity.gs_id else ""
    return f"ISA {identity.isa_qualifier}:{identity.isa_id}{gs}"


def _label_edifact(identity: EdifactIdentity) -> str:
    return f"UNB {identity.unb_id}" + (f":{identity.unb_qualifier}" if identity.unb_qualifier else "")


def _conflicts_with(mine: PartnerIdentities, theirs: PartnerIdentities, other: str) -> list[IdentityConflict]:
    found = []
    if mine.as2_id is not None and mine.as2_id == theirs.as2_id:
        found.append(IdentityConflict(("identities", "as2_id"), f"AS2 ID {mine.as2_id!r}", other))
    for index, x12 in enumerate(mine.x12):
        if any(_x12_clash(x12, their) for their in theirs.x12):
            found.append(IdentityConflict(("identities", "x12", index), _label_x12(x12), other))
    for index, edifact in enumerate(mine.edifact):
        if any(_edifact_clash(edifact, their) for their in theirs.edifact):
            found.append(IdentityConflict(("identities", "edifact", index), _label_edifact(edifact), other))
    return found


def find_identity_conflicts(
    code: str, identities: PartnerIdentities, existing: Directory
) -> tuple[IdentityConflict, ...]:
    """Every identity of partner ``code`` already used by another partner in ``existing``.

    ``existing`` holds ``(partner code, identities)`` pairs; the entry of ``code`` itself (when
    updating) is skipped. Disabled partners should be included: their identities stay reserved.
    """
    found: list[IdentityConflict] = []
    for other_code, other in existing:
        if other_code != code:
            found.extend(_conflicts_with(identities, other, other_code))
    return tuple(found)


def ensure_unique_identities(code: str, identities: PartnerIdentities, existing: Directory) -> None:
    """Raise :class:`DuplicateIdentityError` listing each conflicting field, or return quietly."""
    conflicts = find_identity_conflicts(code, identities, existing)
    if conflicts:
        raise DuplicateIdentityError(conflict.as_field_error() for conflict in conflicts)


def find_partner_by_x12(
    directory: Directory, isa_qualifier: str, isa_id: str, gs_id: str | None
) -> str | None:
    """The partner whose X12 identity matches an inbound ISA (trailing padding ignored) and GS sender.

    An identity naming this GS ID wins over one without a GS ID.
    """
    key = (isa_qualifier.strip(), isa_id.rstrip(" "))
    fallback = None
    for code, identities in directory:
        for identity in identities.x12:
            if (identity.isa_qualifier, identity.isa_id) != key:
                continue
            if identity.gs_id is not None and identity.gs_id == gs_id:
                return code
            if identity.gs_id is None:
                fallback = fallback or code
    return fallback


def find_partner_by_edifact(directory: Directory, unb_id: str, unb_qualifier: str | None) -> str | None:
    """The partner whose EDIFACT identity matches an inbound UNB sender; an exact qualifier wins."""
    fallback = None
    for code, identities in directory:
        for identity in identities.edifact:
            if identity.unb_id != unb_id:
                continue
            if identity.unb_qualifier is not None and identity.unb_qualifier == unb_qualifier:
                return code
            if identity.unb_qualifier is None:
                fallback = fallback or code
    return fallback


def find_partner_by_as2(directory: Directory, as2_from: str) -> str | None:
    """The partner whose AS2 ID is exactly ``as2_from`` (already unquoted)."""
    return next((code for code, identities in directory if identities.as2_id == as2_from), None)
