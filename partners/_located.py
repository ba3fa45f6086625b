"""Raising several field-located problems at once from inside a pydantic validator.

A cross-field rule that lives in a model validator would otherwise be reported at the model, not at the
field that is wrong; these helpers keep the pydantic location of each problem exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from partners.errors import Loc


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found by a cross-field rule, located relative to the model being validated."""

    loc: Loc
    type: str
    message: str
    input: Any = None
    context: Mapping[str, Any] = field(default_factory=dict)


def raise_issues(title: str, issues: list[Issue]) -> None:
    """Raise one ``ValidationError`` holding every issue, or do nothing when there are none."""
    if not issues:
        return
    details = [
        InitErrorDetails(
            type=PydanticCustomError(issue.type, issue.message, dict(issue.context)),
            loc=issue.loc,
            input=issue.input,
        )
        for issue in issues
    ]
    raise ValidationError.from_exception_data(title, details)
