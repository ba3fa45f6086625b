"""Document formats: envelope options (separators, test mode, character set) and their located errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from partners.delimiters import EdifactDelimiters, X12Delimiters
from partners.errors import ProfileValidationError
from partners.formats import DocumentFormat
from partners.profile import parse_profile
from tests.partners.factories import profile_data, with_path

X12_OUT = {"direction": "outbound", "document_type": "850", "syntax": "x12", "version": "004010"}
EDI_OUT = {"direction": "outbound", "document_type": "ORDERS", "syntax": "edifact", "version": "D96A"}


def located(model: type[Any], data: dict[str, Any]) -> set[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {(tuple(e["loc"]), e["type"]) for e in caught.value.errors()}


def test_defaults_and_explicit_envelope_options() -> None:
    fmt = DocumentFormat.model_validate({**X12_OUT, "test_mode": True, "x12_delimiters": {"segment": "\n"}})
    assert fmt.test_mode
    assert DocumentFormat.model_validate(X12_OUT).effective_x12_delimiters == X12Delimiters()
    edi = DocumentFormat.model_validate(
        {**EDI_OUT, "character_set": "UNOC", "edifact_delimiters": {"decimal": ","}}
    )
    assert edi.edifact_delimiters == EdifactDelimiters(decimal=",")
    assert edi.ack_policy.value == "CONTRL"


def test_line_feed_may_end_x12_segments_but_other_controls_may_not() -> None:
    assert DocumentFormat.model_validate({**X12_OUT, "x12_delimiters": {"segment": "\n"}}).x12_delimiters
    assert (("x12_delimiters", "segment"), "delimiter_invalid") in located(
        DocumentFormat, {**X12_OUT, "x12_delimiters": {"segment": "\t"}}
    )
    assert (("x12_delimiters", "element"), "delimiter_invalid") in located(
        DocumentFormat, {**X12_OUT, "x12_delimiters": {"element": "\n"}}
    )


@pytest.mark.parametrize(
    ("data", "loc", "kind"),
    [
        ({**X12_OUT, "x12_delimiters": {"element": "A"}}, ("x12_delimiters", "element"), "delimiter_invalid"),
        (
            {**X12_OUT, "x12_delimiters": {"element": "**"}},
            ("x12_delimiters", "element"),
            "delimiter_invalid",
        ),
        (
            {**X12_OUT, "x12_delimiters": {"component": "*"}},
            ("x12_delimiters", "component"),
            "delimiter_repeated",
        ),
        (
            {**EDI_OUT, "edifact_delimiters": {"decimal": ";"}},
            ("edifact_delimiters", "decimal"),
            "decimal_mark_invalid",
        ),
        (
            {**EDI_OUT, "edifact_delimiters": {"release": "+"}},
            ("edifact_delimiters", "release"),
            "delimiter_repeated",
        ),
        ({**EDI_OUT, "x12_delimiters": {}}, ("x12_delimiters",), "delimiters_syntax"),
        ({**X12_OUT, "edifact_delimiters": {}}, ("edifact_delimiters",), "delimiters_syntax"),
        ({**X12_OUT, "character_set": "UNOC"}, ("character_set",), "character_set_syntax"),
        ({**EDI_OUT, "character_set": "UTF8"}, ("character_set",), "character_set_unknown"),
        ({**EDI_OUT, "version": "96A"}, ("version",), "version_format"),
        ({**EDI_OUT, "syntax": "xml"}, ("syntax",), "enum"),
        ({**EDI_OUT, "direction": "sideways"}, ("direction",), "enum"),
    ],
)
def test_invalid_format_options_are_located(data: dict[str, Any], loc: tuple[str, ...], kind: str) -> None:
    assert (loc, kind) in located(DocumentFormat, data)


def test_identity_must_not_contain_an_outbound_separator() -> None:
    data = with_path(profile_data(), ("identities", "x12", 0, "isa_id"), "ACME*01")
    with pytest.raises(ProfileValidationError) as caught:
        parse_profile(data)
    (error,) = caught.value.errors
    assert error.loc == ("identities", "x12", 0, "isa_id")
    assert error.type == "identity_separator"
    custom = with_path(data, ("formats", 1, "x12_delimiters"), {"element": "|"})
    assert parse_profile(custom).identities.x12[0].isa_id == "ACME*01"
