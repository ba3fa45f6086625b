"""Duplicate identity detection across partners, with the location of each conflicting identity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.conflicts import (
    ensure_unique_identities,
    find_identity_conflicts,
    find_partner_by_as2,
    find_partner_by_edifact,
    find_partner_by_x12,
)
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
        x12=[{"isa_qualifier": "ZZ", "isa_id": "123456789"}],
        edifact=[{"unb_id": "4012345000009", "unb_qualifier": "ZZZ"}],
    )
    assert find_identity_conflicts("newco", other_qualifier, EXISTING) == ()


def test_a_missing_optional_part_matches_anything() -> None:
    open_qualifier = ids(edifact=[{"unb_id": "4012345000009"}])
    (conflict,) = find_identity_conflicts("newco", open_qualifier, EXISTING)
    assert conflict.loc == ("identities", "edifact", 0)
    open_gs = ids(x12=[{"isa_qualifier": "01", "isa_id": "123456789", "gs_id": "ANY"}])
    assert len(find_identity_conflicts("newco", open_gs, EXISTING)) == 1


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


DIRECTORY = [
    *EXISTING,
    ("acme-east", ids(x12=[{"isa_qualifier": "ZZ", "isa_id": "ACME", "gs_id": "EAST"}])),
    ("gln-any", ids(edifact=[{"unb_id": "5790000000001"}])),
]


@pytest.mark.parametrize(
    ("isa", "gs", "expected"),
    [
        (("ZZ", "ACME           "), "ACMEGS", "acme"),
        (("ZZ", "ACME"), "EAST", "acme-east"),
        (("ZZ", "ACME"), "WEST", None),
        (("01", "123456789      "), "ANYTHING", "bolt"),
        (("01", "123456789"), None, "bolt"),
        (("ZZ", "123456789"), None, None),
    ],
)
def test_inbound_x12_envelope_finds_its_partner(
    isa: tuple[str, str], gs: str | None, expected: str | None
) -> None:
    assert find_partner_by_x12(DIRECTORY, isa[0], isa[1], gs) == expected


def test_inbound_edifact_and_as2_find_their_partner() -> None:
    assert find_partner_by_edifact(DIRECTORY, "4012345000009", "14") == "acme"
    assert find_partner_by_edifact(DIRECTORY, "4012345000009", "ZZZ") is None
    assert find_partner_by_edifact(DIRECTORY, "5790000000001", "14") == "gln-any"
    assert find_partner_by_as2(DIRECTORY, "ACME") == "acme"
    assert find_partner_by_as2(DIRECTORY, "acme") is None
