"""Property tests: any valid profile survives JSON and an empty update unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from partners.identifiers import ISA_QUALIFIERS
from partners.profile import PartnerProfile, parse_profile, update_profile

ID_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="*>^~")


def ids(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(ID_CHARS, min_size=min_size, max_size=max_size)


x12 = st.fixed_dictionaries(
    {"isa_qualifier": st.sampled_from(sorted(ISA_QUALIFIERS)), "isa_id": ids(1, 15)},
    optional={"gs_id": ids(2, 15)},
)
edifact = st.fixed_dictionaries(
    {"unb_id": ids(1, 35)}, optional={"unb_qualifier": st.text("0123456789ZQ", min_size=1, max_size=4)}
)
formats = st.lists(
    st.fixed_dictionaries(
        {
            "direction": st.sampled_from(["inbound", "outbound"]),
            "document_type": st.sampled_from(["850", "855", "856"]),
            "syntax": st.just("x12"),
            "version": st.sampled_from(["004010", "005010", "004010VICS"]),
        },
        optional={"duplicate_window_days": st.integers(0, 3650), "test_mode": st.booleans()},
    ),
    max_size=6,
    unique_by=lambda f: (f["direction"], f["document_type"]),
)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    identities = {
        "as2_id": draw(ids(1, 128)),
        "x12": draw(st.lists(x12, min_size=1, max_size=3, unique_by=lambda i: tuple(sorted(i.items())))),
        "edifact": draw(st.lists(edifact, max_size=2, unique_by=lambda i: tuple(sorted(i.items())))),
    }
    return {
        "code": draw(st.from_regex(r"[a-z0-9][a-z0-9_-]{1,20}", fullmatch=True)),
        "name": draw(
            st.text(
                st.characters(codec="utf-8", categories=("L", "N", "P"), include_characters=" "), max_size=40
            ).filter(lambda name: name.strip() and name.isprintable())
        ),
        "identities": identities,
        "formats": draw(formats),
        "transports": {
            "as2": {
                "url": "https://as2.example.com/as2",
                "mdn_mode": draw(st.sampled_from(["sync", "async"])),
            }
        },
    }


@settings(max_examples=60)
@given(profiles())
def test_valid_profiles_round_trip(data: dict[str, Any]) -> None:
    profile = parse_profile(data)
    assert PartnerProfile.model_validate_json(profile.model_dump_json()) == profile
    assert update_profile(profile, {}) == profile
