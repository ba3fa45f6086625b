"""Code lists of one syntax element mapped to one canonical enum, both ways, shared by the X12 and
EDIFACT maps. A code the enum lacks reads as the enum's ``other`` member and is kept as the document's
qualifier, so rendering reproduces what the partner sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Self, TypeVar

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class CodeMap(Generic[E]):
    by_code: dict[str, E]
    by_member: dict[E, str]
    other: E

    @classmethod
    def build(cls, pairs: tuple[tuple[str, E], ...], other: E) -> Self:
        """From ``(code, member)`` pairs; the first code listed for a member is the one rendered."""
        by_member: dict[E, str] = {}
        for code, member in pairs:
            by_member.setdefault(member, code)
        return cls(dict(pairs), by_member, other)

    def read(self, code: str) -> tuple[E, str | None]:
        """The member for ``code`` and the code to keep as qualifier (None when it is the usual one)."""
        member = self.by_code.get(code)
        if member is None:
            return self.other, code or None
        return member, (None if self.by_member[member] == code else code or None)

    def code(self, member: E, qualifier: str | None) -> str | None:
        """The code to render: the qualifier if given, else the usual code of the member (None if none)."""
        return qualifier or self.by_member.get(member)
