"""EDIFACT-specific errors: each is a located ``TranslatorError`` carrying its CONTRL 0085 syntax error
code, so a rejection maps straight onto a UCI / UCF / UCM / UCS / UCD segment of the CONTRL sent back."""

from __future__ import annotations

from translators.errors import (
    ElementError,
    EnvelopeError,
    LimitExceededError,
    Location,
    MessageError,
    RenderError,
    SegmentError,
)
from translators.errors import (
    GroupError as BaseGroupError,
)


class Code:
    """UN/EDIFACT data element 0085 (syntax error, coded) values used by this package."""

    SYNTAX_VERSION_NOT_SUPPORTED = "2"
    INVALID_VALUE = "12"
    MISSING = "13"
    VALUE_NOT_SUPPORTED = "14"
    NOT_SUPPORTED_IN_POSITION = "15"
    TOO_MANY_CONSTITUENTS = "16"
    UNSPECIFIED = "18"
    INVALID_DECIMAL_NOTATION = "19"
    INVALID_SERVICE_CHARACTER = "20"
    INVALID_CHARACTERS = "21"
    INVALID_SERVICE_STRING_ADVICE = "22"
    DUPLICATE_DETECTED = "26"
    REFERENCES_DO_NOT_MATCH = "28"
    CONTROL_COUNT_MISMATCH = "29"
    GROUPS_AND_MESSAGES_MIXED = "30"
    LOWER_LEVEL_EMPTY = "32"
    INVALID_OCCURRENCE_OUTSIDE_MESSAGE = "33"
    TOO_MANY_SEGMENT_REPETITIONS = "35"
    INVALID_CHARACTER_TYPE = "37"
    ELEMENT_TOO_LONG = "39"
    CHARACTER_SET_NOT_SUPPORTED = "46"


class EdifactEnvelopeError(EnvelopeError):
    """The interchange envelope (UNA/UNB/UNZ) is unusable: reported in CONTRL UCI."""


class ServiceStringAdviceError(EdifactEnvelopeError):
    """UNA is malformed or its service characters clash (0085 code 22 / 20)."""

    def __init__(self, message: str, location: Location | None = None, code: str | None = None) -> None:
        super().__init__(message, location, code or Code.INVALID_SERVICE_STRING_ADVICE)


class SyntaxVersionError(EdifactEnvelopeError):
    """UNB S001 names a syntax version this engine does not support (code 2)."""

    def __init__(self, message: str, location: Location | None = None, code: str | None = None) -> None:
        super().__init__(message, location, code or Code.SYNTAX_VERSION_NOT_SUPPORTED)


class CharacterSetError(EdifactEnvelopeError):
    """The bytes cannot be decoded with the declared syntax identifier (code 21 / 46)."""

    def __init__(self, message: str, location: Location | None = None, code: str | None = None) -> None:
        super().__init__(message, location, code or Code.INVALID_CHARACTERS)


class GroupError(BaseGroupError):
    """A functional group (UNG/UNE) is wrong: reported in CONTRL UCF."""


class EdifactMessageError(MessageError):
    """A message envelope (UNH/UNT) or its content as a whole is wrong: reported in CONTRL UCM."""


class EdifactSegmentError(SegmentError):
    """A segment is missing, unexpected or repeated too often inside a message: CONTRL UCS."""


class EdifactElementError(ElementError):
    """An element or component is missing, too long or invalid: CONTRL UCD."""


class InvalidCharacterError(EdifactElementError):
    """A character outside the repertoire of the syntax identifier (code 21); a warning unless strict."""

    def __init__(self, message: str, location: Location | None = None, code: str | None = None) -> None:
        super().__init__(message, location, code or Code.INVALID_CHARACTERS)


class EdifactLimitError(LimitExceededError):
    """A hard limit of ``Limits`` was exceeded; the interchange is refused before memory grows."""

    def __init__(self, message: str, location: Location | None = None, code: str | None = None) -> None:
        super().__init__(message, location, code or Code.UNSPECIFIED)


class EdifactRenderError(RenderError):
    """A canonical document lacks data the EDIFACT message needs, or a value cannot be encoded."""
