"""EDIFACT syntax identifiers (UNB S001/0001): the codec each one implies and its character repertoire.

UNOA/UNOB are ISO 646 subsets, UNOC..UNOL the ISO 8859 parts, UNOW/UNOY UTF-8 (ISO 10646-1) and UNOX
ISO 2022 with code extension. Decoding is strict for the 8-bit and UTF-8 sets; for UNOA/UNOB, whose
repertoire real partners routinely exceed (lower case, accented letters), the bytes are read as UTF-8 or
else Latin-1 and the repertoire check reports what it found instead of refusing the interchange unless
asked to be strict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNOA_REPERTOIRE = "A-Z0-9 .,\\-()/='+:?!\"%&*;<>"
UNOB_REPERTOIRE = "\\x20-\\x7e"
LATIN_GRAPHICS = "\\x20-\\x7e\\xa0-\\xff"


@dataclass(frozen=True, slots=True)
class SyntaxCharset:
    """One syntax identifier: its Python codec and the regex class of allowed characters (or None)."""

    identifier: str
    codec: str
    repertoire: str | None
    ascii_based: bool = True

    def invalid_pattern(self, service_chars: str) -> re.Pattern[str] | None:
        """A pattern matching the first character outside the repertoire (service characters allowed)."""
        if self.repertoire is None:
            return None
        extra = re.escape(service_chars).replace("]", "\\]")
        return re.compile(f"[^{self.repertoire}{extra}]")


CHARSETS: dict[str, SyntaxCharset] = {
    "UNOA": SyntaxCharset("UNOA", "ascii", UNOA_REPERTOIRE),
    "UNOB": SyntaxCharset("UNOB", "ascii", UNOB_REPERTOIRE),
    "UNOC": SyntaxCharset("UNOC", "latin-1", LATIN_GRAPHICS),
    "UNOD": SyntaxCharset("UNOD", "iso8859-2", LATIN_GRAPHICS),
    "UNOE": SyntaxCharset("UNOE", "iso8859-5", LATIN_GRAPHICS),
    "UNOF": SyntaxCharset("UNOF", "iso8859-7", None),
    "UNOG": SyntaxCharset("UNOG", "iso8859-3", None),
    "UNOH": SyntaxCharset("UNOH", "iso8859-4", LATIN_GRAPHICS),
    "UNOI": SyntaxCharset("UNOI", "iso8859-6", None),
    "UNOJ": SyntaxCharset("UNOJ", "iso8859-8", None),
    "UNOK": SyntaxCharset("UNOK", "iso8859-9", LATIN_GRAPHICS),
    "UNOL": SyntaxCharset("UNOL", "iso8859-15", LATIN_GRAPHICS),
    "UNOW": SyntaxCharset("UNOW", "utf-8", None),
    "UNOX": SyntaxCharset("UNOX", "iso2022_jp_2", None, ascii_based=False),
    "UNOY": SyntaxCharset("UNOY", "utf-8", None),
}

FALLBACK = SyntaxCharset("", "latin-1", None)
LENIENT_ASCII = frozenset({"UNOA", "UNOB"})


def charset_for(identifier: str) -> SyntaxCharset:
    """The charset of a syntax identifier; unknown agencies' identifiers (IATA, KECA...) read as Latin-1."""
    return CHARSETS.get(identifier.upper(), FALLBACK)


def decode(data: bytes, charset: SyntaxCharset) -> str:
    """Decode one chunk that ends on a segment boundary. Raises ``UnicodeDecodeError`` when invalid."""
    if charset.identifier in LENIENT_ASCII:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data.decode(charset.codec)


def encode(text: str, charset: SyntaxCharset) -> bytes:
    """Encode rendered text; raises ``UnicodeEncodeError`` when a character has no code in the set."""
    return text.encode(charset.codec)
