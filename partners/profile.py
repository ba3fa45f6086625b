"""The partner profile: who a trading partner is (identities), what it exchanges (formats), how
(transports) and whom to call (contacts).

``PartnerProfile`` is frozen and refuses unknown fields; every problem is reported with its pydantic
location. ``parse_profile`` and ``update_profile`` turn input mappings into a profile or a
:class:`ProfileValidationError`; API input shapes (create/update) can reuse these models as parts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from partners._located import Issue, raise_issues
from partners.errors import ProfileValidationError
from partners.formats import Direction, DocumentFormat, Syntax, format_issues
from partners.identifiers import As2Id, GsId, IsaId, IsaQualifier, UnbId, UnbQualifier
from partners.transports import Transports

PARTNER_CODE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")
EMAIL: Final = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
PHONE: Final = re.compile(r"\+?[0-9(][0-9 ().\-/]{2,31}")
NAME_MAX_LENGTH: Final = 200
EMAIL_MAX_LENGTH: Final = 254
MAX_CONTACTS: Final = 20
MAX_FORMATS: Final = 64
MAX_IDENTITIES: Final = 16


class X12Identity(BaseModel):
    """An ISA sender/receiver (qualifier + ID) and, optionally, the GS application code used with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    isa_qualifier: IsaQualifier
    isa_id: IsaId
    gs_id: GsId | None = None


class EdifactIdentity(BaseModel):
    """A UNB sender/recipient identification with its optional code qualifier (0007)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unb_id: UnbId
    unb_qualifier: UnbQualifier | None = None


class PartnerIdentities(BaseModel):
    """Every identifier the partner is known by; used to find the partner from an inbound envelope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as2_id: As2Id | None = Field(None, description="AS2-From of their messages; case-sensitive")
    x12: tuple[X12Identity, ...] = Field((), max_length=MAX_IDENTITIES)
    edifact: tuple[EdifactIdentity, ...] = Field((), max_length=MAX_IDENTITIES)

    @model_validator(mode="after")
    def _distinct(self) -> PartnerIdentities:
        issues = _repeats("x12", self.x12) + _repeats("edifact", self.edifact)
        raise_issues(type(self).__name__, issues)
        return self


def _repeats(field: str, items: tuple[BaseModel, ...]) -> list[Issue]:
    first: dict[BaseModel, int] = {}
    issues = []
    for index, item in enumerate(items):
        if item in first:
            message = f"the same identity is already listed at {field}[{first[item]}]"
            issues.append(Issue((field, index), "identity_repeated", message))
        first.setdefault(item, index)
    return issues


def check_display_name(value: str) -> str:
    """A name shown to people: not blank, no control characters."""
    if not value.strip() or not value.isprintable():
        raise PydanticCustomError("name_format", "name must not be blank or contain control characters")
    return value


DisplayName = Annotated[
    str, Field(min_length=1, max_length=NAME_MAX_LENGTH), AfterValidator(check_display_name)
]


class ContactRole(StrEnum):
    BUSINESS = "business"
    TECHNICAL = "technical"
    ESCALATION = "escalation"


class Contact(BaseModel):
    """A person or mailbox at the partner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: DisplayName
    role: ContactRole = ContactRole.BUSINESS
    email: str | None = None
    phone: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > EMAIL_MAX_LENGTH or not EMAIL.fullmatch(value)):
            raise PydanticCustomError("email_format", "email must look like name@example.com")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.fullmatch(value):
            raise PydanticCustomError(
                "phone_format", "phone must be digits with optional + ( ) . - / and spaces"
            )
        return value


class PartnerProfile(BaseModel):
    """Everything the gateway needs to exchange documents with one trading partner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="Stable short key: 2..64 of a-z 0-9 _ -, starting with a letter or digit")
    name: DisplayName
    enabled: bool = True
    identities: PartnerIdentities = PartnerIdentities()
    formats: tuple[DocumentFormat, ...] = Field((), max_length=MAX_FORMATS)
    transports: Transports = Transports()
    contacts: tuple[Contact, ...] = Field((), max_length=MAX_CONTACTS)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not PARTNER_CODE.fullmatch(value):
            raise PydanticCustomError(
                "partner_code_format",
                "partner code must be 2 to 64 of a-z, 0-9, _ and -, starting alphanumeric",
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PartnerProfile:
        issues = format_issues(self.formats) + _identity_issues(self) + _separator_issues(self)
        raise_issues(type(self).__name__, issues)
        return self

    def format_for(self, direction: str, document_type: str) -> DocumentFormat | None:
        """The format agreed for ``document_type`` in ``direction``, if any."""
        return next(
            (f for f in self.formats if f.direction == direction and f.document_type == document_type), None
        )


def _identity_issues(profile: PartnerProfile) -> list[Issue]:
    ids = profile.identities
    syntaxes = {f.syntax for f in profile.formats}
    issues = []
    if Syntax.X12 in syntaxes and not ids.x12:
        issues.append(Issue(("identities", "x12"), "identity_missing", "X12 formats need an X12 identity"))
    if Syntax.EDIFACT in syntaxes and not ids.edifact:
        issues.append(
            Issue(("identities", "edifact"), "identity_missing", "EDIFACT formats need an EDIFACT identity")
        )
    if profile.transports.as2 is not None and ids.as2_id is None:
        issues.append(
            Issue(("identities", "as2_id"), "identity_missing", "the AS2 transport needs an AS2 ID")
        )
    return issues


def _separator_issues(profile: PartnerProfile) -> list[Issue]:
    """Our outbound X12 separators must not occur in the ISA/GS IDs we write into the envelope."""
    used: set[str] = set()
    for fmt in profile.formats:
        if fmt.direction is Direction.OUTBOUND and fmt.syntax is Syntax.X12:
            used |= fmt.effective_x12_delimiters.characters()
    issues = []
    for index, identity in enumerate(profile.identities.x12):
        for field in ("isa_id", "gs_id"):
            value = getattr(identity, field) or ""
            clash = sorted(set(value) & used)
            if clash:
                message = f"contains {' '.join(clash)}, a separator of an outbound X12 format"
                issues.append(
                    Issue(("identities", "x12", index, field), "identity_separator", message, value)
                )
    return issues


def parse_profile(data: Mapping[str, Any]) -> PartnerProfile:
    """Validate ``data`` (e.g. decoded JSON) into a profile, or raise :class:`ProfileValidationError`."""
    try:
        return PartnerProfile.model_validate(dict(data))
    except ValidationError as exc:
        raise ProfileValidationError.from_pydantic(exc) from None


def _merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


def update_profile(profile: PartnerProfile, changes: Mapping[str, Any]) -> PartnerProfile:
    """Apply a partial update (nested mappings merge, lists and values replace) and re-validate.

    The partner code cannot change. Raises :class:`ProfileValidationError` with field locations.
    """
    if "code" in changes and changes["code"] != profile.code:
        raise ProfileValidationError.single(("code",), "the partner code cannot be changed", "code_immutable")
    return parse_profile(_merge(profile.model_dump(mode="json", exclude_unset=False), changes))
