"""Identifier rules, checked with generated values: what is accepted is exactly what the envelope allows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from partners.identifiers import (
    AS2_ID_MAX_LENGTH,
    ISA_ID_MAX_LENGTH,
    ISA_QUALIFIERS,
    As2Id,
    GsId,
    IsaId,
    IsaQualifier,
    UnbId,
    UnbQualifier,
    quote_as2_id,
)

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
NON_SPACE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


def trimmed(max_size: int, min_size: int = 1) -> st.SearchStrategy[str]:
    """Printable ASCII without leading/trailing spaces, of ``min_size..max_size`` characters."""
    inner = st.text(PRINTABLE, min_size=max(min_size - 2, 0), max_size=max_size - 2)
    short = st.text(NON_SPACE, min_size=min_size, max_size=min(2, max_size))
    return st.one_of(short, st.builds(lambda a, m, b: a + m + b, NON_SPACE, inner, NON_SPACE))


def accepts(kind: Any, value: str) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


@given(trimmed(AS2_ID_MAX_LENGTH))
def test_as2_id_accepts_printable_ascii_up_to_128(value: str) -> None:
    assert TypeAdapter(As2Id).validate_python(value) == value


@given(st.text(PRINTABLE, min_size=AS2_ID_MAX_LENGTH + 1, max_size=300))
def test_as2_id_refuses_more_than_128(value: str) -> None:
    assert not accepts(As2Id, value)


@given(st.text(min_size=1, max_size=20).filter(lambda v: any(not 0x20 <= ord(c) <= 0x7E for c in v)))
def test_as2_id_refuses_non_printable_or_non_ascii(value: str) -> None:
    assert not accepts(As2Id, value)


@given(trimmed(ISA_ID_MAX_LENGTH))
def test_isa_id_accepts_up_to_15(value: str) -> None:
    assert accepts(IsaId, value)


@given(st.text(NON_SPACE, min_size=ISA_ID_MAX_LENGTH + 1, max_size=40))
def test_isa_id_refuses_longer_than_15(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(IsaId).validate_python(value)
    assert caught.value.errors()[0]["type"] == "isa_id_length"


@given(st.text(st.characters(min_codepoint=0x30, max_codepoint=0x5A), min_size=1, max_size=3))
def test_isa_qualifier_is_exactly_the_code_list(value: str) -> None:
    assert accepts(IsaQualifier, value) == (value in ISA_QUALIFIERS)


@pytest.mark.parametrize(
    "code", ["01", "02", "08", "09", "12", "14", "16", "20", "27", "28", "29", "30", "33", "ZZ"]
)
def test_common_isa_qualifiers_are_known(code: str) -> None:
    assert accepts(IsaQualifier, code)


@pytest.mark.parametrize("value", ["", " ACME", "ACME ", "A" * 16, "ÄCME"])
def test_isa_id_edge_cases_refused(value: str) -> None:
    assert not accepts(IsaId, value)


@given(st.text(NON_SPACE, min_size=0, max_size=30))
def test_gs_id_is_2_to_15(value: str) -> None:
    assert accepts(GsId, value) == (2 <= len(value) <= 15)


@given(trimmed(35))
def test_unb_id_accepts_up_to_35(value: str) -> None:
    assert accepts(UnbId, value)


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=6))
def test_unb_qualifier_is_one_to_four_alphanumerics(value: str) -> None:
    assert accepts(UnbQualifier, value) == (1 <= len(value) <= 4 and value.isalnum())


def unquote(quoted: str) -> str:
    """Read an RFC 4130 quoted AS2 name: backslash escapes the next character."""
    assert quoted[0] == quoted[-1] == '"'
    out, chars = [], iter(quoted[1:-1])
    for char in chars:
        if char == '"':
            raise AssertionError("unescaped quote inside a quoted AS2 name")
        out.append(next(chars) if char == "\\" else char)
    return "".join(out)


@given(trimmed(AS2_ID_MAX_LENGTH))
def test_quoted_as2_id_unquotes_to_the_original(value: str) -> None:
    quoted = quote_as2_id(value)
    if quoted == value:
        assert not set(value) & set(' "\\(),;:<>@[]')
    else:
        assert unquote(quoted) == value


def test_quote_as2_id_examples() -> None:
    assert quote_as2_id("ACME-AS2") == "ACME-AS2"
    assert quote_as2_id("ACME AS2") == '"ACME AS2"'
    assert quote_as2_id('say "hi"') == '"say \\"hi\\""'
