"""Duplicate identity detection across partners, with the location of each conflicting identity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.conflicts import ensure_unique_identities, find_identity_conflicts
from partners.errors import DuplicateIdentityError
from partners.profile import PartnerIdentities


def ids(**data: Any) -> PartnerIdentities:
    return PartnerIdentities.model_validate(data)


EXISTING = [
    (
        "acme",
        ids(
            as2_id="ACME",
            x12=[{"isa_qualifier": "ZZ", "isa_id": "ACME", "gs_id": "ACMEGS"}],
            edifact=[{"unb_id": "4012345000009", "unb_qualifier": "14"}],
        ),
    ),
    ("bolt", ids(x12=[{"isa_qualifier": "01", "isa_id": "123456789"}])),
]


def test_no_conflicts_for_distinct_identities() -> None:
    fresh = ids(
        as2_id="NEWCO", x12=[{"isa_qualifier": "ZZ", "isa_id": "NEWCO"}], edifact=[{"unb_id": "NEWCO"}]
    )
    assert find_identity_conflicts("newco", fresh, EXISTING) == ()
    ensure_unique_identities("newco", fresh, EXISTING)


def test_every_conflict_is_located_and_names_the_other_partner() -> None:
    clash = ids(
        as2_id="ACME",
        x12=[
            {"isa_qualifier": "ZZ", "isa_id": "OK"},
            {"isa_qualifier": "01", "isa_id": "123456789", "gs_id": "X1"},
        ],
        edifact=[{"unb_id": "4012345000009", "unb_qualifier": "14"}],
    )
    with pytest.raises(DuplicateIdentityError) as caught:
        ensure_unique_identities("newco", clash, EXISTING)
    found = {(e.loc, e.context["other_partner"]) for e in caught.value.errors}
    assert found == {
        (("identities", "as2_id"), "acme"),
        (("identities", "x12", 1), "bolt"),
        (("identities", "edifact", 0), "acme"),
    }
    assert all(e.type == "identity_duplicate" for e in caught.value.errors)
    assert "ISA 01:123456789 / GS X1 is already used by partner bolt" in str(caught.value)


def test_same_isa_with_distinct_gs_ids_is_allowed() -> None:
    division = ids(x12=[{"isa_qualifier": "ZZ", "isa_id": "ACME", "gs_id": "ACMEEAST"}])
    assert find_identity_conflicts("acme-east", division, EXISTING) == ()
    no_gs = ids(x12=[{"isa_qualifier": "ZZ", "isa_id": "ACME"}])
    assert len(find_identity_conflicts("acme-east", no_gs, EXISTING)) == 1


def test_qualifier_is_part_of_the_identity() -> None:
    other_qualifier = ids(
        x12=[{"isa_qualifier": "ZZ", "isa_id": "123456789"}], edifact=[{"unb_id": "4012345000009"}]
    )
    assert find_identity_conflicts("newco", other_qualifier, EXISTING) == ()


def test_as2_ids_compare_case_sensitively() -> None:
    assert find_identity_conflicts("newco", ids(as2_id="acme"), EXISTING) == ()


def test_updating_a_partner_does_not_conflict_with_itself() -> None:
    assert find_identity_conflicts("acme", EXISTING[0][1], EXISTING) == ()


@given(
    st.lists(st.sampled_from(["AAA", "BBB", "CCC", "DDD"]), min_size=1, max_size=4, unique=True), st.data()
)
def test_conflicts_are_exactly_the_shared_isa_ids(mine: list[str], data: st.DataObject) -> None:
    theirs = data.draw(st.lists(st.sampled_from(["AAA", "BBB", "CCC", "DDD"]), max_size=4, unique=True))
    candidate = ids(x12=[{"isa_qualifier": "ZZ", "isa_id": v} for v in mine])
    other = ids(x12=[{"isa_qualifier": "ZZ", "isa_id": v} for v in theirs])
    conflicts = find_identity_conflicts("mine", candidate, [("other", other)])
    assert {c.loc[-1] for c in conflicts} == {i for i, v in enumerate(mine) if v in theirs}
