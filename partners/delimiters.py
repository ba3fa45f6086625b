"""Separators we write for a partner's outbound interchanges (inbound ones are read from ISA/UNA).

X12: element, component (ISA16), repetition (ISA11, 5010+) and segment terminator. EDIFACT (UNA):
component, element, decimal mark, release character, repetition (syntax 4) and segment terminator.
Each is one printable, non-alphanumeric character (an X12 segment terminator may also be a line feed,
as some partners' systems write it) and all of one set are distinct.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

from partners._located import Issue, raise_issues

EDIFACT_DECIMAL_MARKS: Final = (".", ",")
LINE_FEED: Final = "\n"


def check_separator(value: str) -> str:
    """One printable ASCII character that is neither a letter, a digit nor a space."""
    if len(value) != 1 or not "\x21" <= value <= "\x7e" or value.isalnum():
        raise PydanticCustomError(
            "delimiter_invalid", "a separator must be one printable character, not a letter, digit or space"
        )
    return value


def _distinct(model: BaseModel, fields: tuple[str, ...]) -> None:
    first: dict[str, str] = {}
    issues = []
    for name in fields:
        value = getattr(model, name)
        if value is None:
            continue
        if value in first:
            message = f"{name} separator {value!r} is already the {first[value]} separator"
            issues.append(Issue((name,), "delimiter_repeated", message, value))
        first.setdefault(value, name)
    raise_issues(type(model).__name__, issues)


class X12Delimiters(BaseModel):
    """Separators of an outbound X12 interchange; ``repetition`` None writes ISA11 as ``U`` (4010)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    element: str = "*"
    component: str = ">"
    repetition: str | None = "^"
    segment: str = "~"

    @field_validator("element", "component")
    @classmethod
    def _separator(cls, value: str) -> str:
        return check_separator(value)

    @field_validator("segment")
    @classmethod
    def _segment(cls, value: str) -> str:
        return value if value == LINE_FEED else check_separator(value)

    @field_validator("repetition")
    @classmethod
    def _repetition(cls, value: str | None) -> str | None:
        return None if value is None else check_separator(value)

    @model_validator(mode="after")
    def _all_distinct(self) -> X12Delimiters:
        _distinct(self, ("element", "component", "repetition", "segment"))
        return self

    def characters(self) -> frozenset[str]:
        """Every separator in use."""
        return frozenset(c for c in (self.element, self.component, self.repetition, self.segment) if c)


class EdifactDelimiters(BaseModel):
    """The service characters written in an outbound UNA segment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str | None = None
    segment: str = "'"

    @field_validator("component", "element", "release", "segment")
    @classmethod
    def _separator(cls, value: str) -> str:
        return check_separator(value)

    @field_validator("decimal")
    @classmethod
    def _decimal(cls, value: str) -> str:
        if value not in EDIFACT_DECIMAL_MARKS:
            raise PydanticCustomError("decimal_mark_invalid", "the decimal mark must be '.' or ','")
        return value

    @field_validator("repetition")
    @classmethod
    def _repetition(cls, value: str | None) -> str | None:
        return None if value is None else check_separator(value)

    @model_validator(mode="after")
    def _all_distinct(self) -> EdifactDelimiters:
        _distinct(self, ("component", "element", "decimal", "release", "repetition", "segment"))
        return self
