"""Identity uniqueness across partners: an inbound envelope must lead to exactly one partner.

Two partners conflict when they share an AS2 ID (compared exactly: AS2 names are case-sensitive), an
EDIFACT UNB ID with the same qualifier, or an ISA qualifier+ID with the same GS ID (partners that share
one ISA ID, e.g. divisions behind one VAN mailbox, must be told apart by distinct GS IDs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from partners.errors import DuplicateIdentityError, FieldError, Loc
from partners.profile import EdifactIdentity, PartnerIdentities, X12Identity


@dataclass(frozen=True, slots=True)
class IdentityConflict:
    """``loc`` (inside the candidate profile) repeats an identity of partner ``other_code``."""

    loc: Loc
    identity: str
    other_code: str

    def as_field_error(self) -> FieldError:
        message = f"{self.identity} is already used by partner {self.other_code}"
        return FieldError(self.loc, message, "identity_duplicate", {"other_partner": self.other_code})


def _x12_clash(mine: X12Identity, theirs: X12Identity) -> bool:
    same_isa = (mine.isa_qualifier, mine.isa_id) == (theirs.isa_qualifier, theirs.isa_id)
    return same_isa and (mine.gs_id is None or theirs.gs_id is None or mine.gs_id == theirs.gs_id)


def _edifact_key(identity: EdifactIdentity) -> tuple[str, str]:
    return identity.unb_qualifier or "", identity.unb_id


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
    their_edifact = {_edifact_key(e) for e in theirs.edifact}
    for index, edifact in enumerate(mine.edifact):
        if _edifact_key(edifact) in their_edifact:
            found.append(IdentityConflict(("identities", "edifact", index), _label_edifact(edifact), other))
    return found


def find_identity_conflicts(
    code: str, identities: PartnerIdentities, existing: Iterable[tuple[str, PartnerIdentities]]
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


def ensure_unique_identities(
    code: str, identities: PartnerIdentities, existing: Iterable[tuple[str, PartnerIdentities]]
) -> None:
    """Raise :class:`DuplicateIdentityError` listing each conflicting field, or return quietly."""
    conflicts = find_identity_conflicts(code, identities, existing)
    if conflicts:
        raise DuplicateIdentityError(conflict.as_field_error() for conflict in conflicts)
