"""Document formats a partner exchanges, per direction and document type.

For an inbound format the acknowledgement policy is the functional ack we send back; for an outbound
one it is the ack we expect from the partner (and track as overdue). ``duplicate_window_days`` is how
far back an interchange/message reference counts as a repeat (0 turns duplicate detection off).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from partners._located import Issue, raise_issues
from partners.delimiters import EdifactDelimiters, X12Delimiters


class Syntax(StrEnum):
    X12 = "x12"
    EDIFACT = "edifact"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class AckPolicy(StrEnum):
    X12_997 = "997"
    X12_999 = "999"
    CONTRL = "CONTRL"
    NONE = "none"


# Document type -> canonical document kind, per syntax.
DOCUMENT_TYPES: Final[dict[Syntax, dict[str, str]]] = {
    Syntax.X12: {"850": "purchase_order", "855": "acknowledgement", "856": "ship_notice"},
    Syntax.EDIFACT: {"ORDERS": "purchase_order", "ORDRSP": "acknowledgement", "DESADV": "ship_notice"},
}
ACK_POLICIES: Final[dict[Syntax, tuple[AckPolicy, ...]]] = {
    Syntax.X12: (AckPolicy.X12_997, AckPolicy.X12_999, AckPolicy.NONE),
    Syntax.EDIFACT: (AckPolicy.CONTRL, AckPolicy.NONE),
}
# GS08 version/release/industry code (AN 1/12), e.g. 004010, 005010, 004010VICS.
X12_VERSION: Final = re.compile(r"\d{6}[A-Z0-9]{0,6}")
# UNH S009 0052+0054 written together, e.g. D96A, D01B.
EDIFACT_DIRECTORY: Final = re.compile(r"[DS]\d{2}[A-C]")
# UNB S001 0001 syntax identifiers (character repertoires).
EDIFACT_CHARACTER_SET: Final = re.compile(r"UNO[A-Y]")
X12_999_FROM_VERSION: Final = "005"
DEFAULT_DUPLICATE_WINDOW_DAYS: Final = 30
MAX_DUPLICATE_WINDOW_DAYS: Final = 3650


def default_ack_policy(syntax: Syntax, version: str) -> AckPolicy:
    """997 for X12 before 5010, 999 from 5010 on, CONTRL for EDIFACT."""
    if syntax is Syntax.EDIFACT:
        return AckPolicy.CONTRL
    return AckPolicy.X12_999 if version.startswith(X12_999_FROM_VERSION) else AckPolicy.X12_997


class DocumentFormat(BaseModel):
    """How one document type travels in one direction with this partner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    direction: Direction
    document_type: str
    syntax: Syntax
    version: str = Field(description="X12 GS08 version (004010, 005010...) or EDIFACT directory (D96A...)")
    ack_policy: AckPolicy = Field(
        None, validate_default=True, description="Defaults to 997 (X12 < 5010), 999 (5010+) or CONTRL"
    )
    duplicate_window_days: int = Field(DEFAULT_DUPLICATE_WINDOW_DAYS, ge=0, le=MAX_DUPLICATE_WINDOW_DAYS)
    test_mode: bool = Field(False, description="Test interchanges: ISA15 'T', UNB 0035 '1'")
    x12_delimiters: X12Delimiters | None = Field(
        None, description="Outbound X12 separators (default * > ^ ~)"
    )
    edifact_delimiters: EdifactDelimiters | None = Field(None, description="Outbound UNA service characters")
    character_set: str | None = Field(None, description="Outbound EDIFACT syntax identifier, UNOA to UNOY")

    @field_validator("ack_policy", mode="before")
    @classmethod
    def _default_ack_policy(cls, value: Any, info: ValidationInfo) -> Any:
        syntax, version = info.data.get("syntax"), info.data.get("version")
        if value is not None:
            return value
        if isinstance(syntax, Syntax) and isinstance(version, str):
            return default_ack_policy(syntax, version)
        return AckPolicy.NONE  # syntax or version is invalid and reported; the model is refused anyway

    @model_validator(mode="after")
    def _consistent(self) -> DocumentFormat:
        issues: list[Issue] = []
        known = DOCUMENT_TYPES[self.syntax]
        if self.document_type not in known:
            issues.append(
                Issue(
                    ("document_type",),
                    "document_type_unknown",
                    f"{self.syntax.value} document type must be one of {', '.join(known)}",
                    self.document_type,
                )
            )
        pattern = X12_VERSION if self.syntax is Syntax.X12 else EDIFACT_DIRECTORY
        if not pattern.fullmatch(self.version):
            example = "004010 or 005010" if self.syntax is Syntax.X12 else "D96A or D01B"
            issues.append(
                Issue(
                    ("version",),
                    "version_format",
                    f"{self.syntax.value} version must look like {example}",
                    self.version,
                )
            )
        allowed = ACK_POLICIES[self.syntax]
        if self.ack_policy not in allowed:
            issues.append(
                Issue(
                    ("ack_policy",),
                    "ack_policy_syntax",
                    f"{self.syntax.value} ack policy must be one of {', '.join(allowed)}",
                    self.ack_policy.value,
                )
            )
        raise_issues(type(self).__name__, issues + self._envelope_issues())
        return self

    def _envelope_issues(self) -> list[Issue]:
        issues: list[Issue] = []
        wrong = "edifact_delimiters" if self.syntax is Syntax.X12 else "x12_delimiters"
        if getattr(self, wrong) is not None:
            message = f"{wrong} do not apply to {self.syntax.value} formats"
            issues.append(Issue((wrong,), "delimiters_syntax", message))
        if self.character_set is not None and self.syntax is Syntax.X12:
            message = "character_set applies to EDIFACT only"
            issues.append(Issue(("character_set",), "character_set_syntax", message, self.character_set))
        elif self.character_set is not None and not EDIFACT_CHARACTER_SET.fullmatch(self.character_set):
            message = "character_set must be an EDIFACT syntax identifier UNOA to UNOY"
            issues.append(Issue(("character_set",), "character_set_unknown", message, self.character_set))
        return issues

    @property
    def effective_x12_delimiters(self) -> X12Delimiters:
        """The separators an outbound X12 interchange is written with."""
        return self.x12_delimiters or X12Delimiters()

    @property
    def document_kind(self) -> str:
        """The canonical document kind this format carries (purchase_order, acknowledgement, ...)."""
        return DOCUMENT_TYPES[self.syntax][self.document_type]


def format_issues(formats: tuple[DocumentFormat, ...]) -> list[Issue]:
    """One issue per format that repeats an earlier (direction, document type) pair."""
    seen: dict[tuple[Direction, str], int] = {}
    issues: list[Issue] = []
    for index, fmt in enumerate(formats):
        key = (fmt.direction, fmt.document_type)
        if key in seen:
            issues.append(
                Issue(
                    ("formats", index, "document_type"),
                    "format_duplicate",
                    f"{fmt.direction.value} {fmt.document_type} is already defined in formats[{seen[key]}]",
                    fmt.document_type,
                )
            )
        seen.setdefault(key, index)
    return issues
