"""AS2 HTTP header values: AS2-From/AS2-To names (RFC 4130 §6.2), Message-IDs and dates.

AS2 names are case-sensitive and kept byte for byte; they are quoted only when they contain characters
outside ``atext``. Header lines are never folded.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime

from gateway.as2.errors import HeaderValueError

AS2_VERSION = "1.2"
MAX_AS2_NAME_CHARS = 128
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+")
_PRINTABLE = re.compile(r"[\x20-\x7e]+")


def format_as2_name(name: str) -> str:
    """An AS2 name as a header value: as-is when it is atext, else a quoted string."""
    if not 1 <= len(name) <= MAX_AS2_NAME_CHARS or not _PRINTABLE.fullmatch(name):
        raise HeaderValueError(f"AS2 name {name!r} must be 1-{MAX_AS2_NAME_CHARS} printable ASCII characters")
    if _ATEXT.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_as2_name(value: str | None) -> str | None:
    """The AS2 name in a header value, unquoted; case is preserved."""
    if value is None:
        return None
    text = value.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def new_message_id(domain: str) -> str:
    """A fresh RFC 5322 Message-ID ``<uuid@domain>``."""
    if not re.fullmatch(r"[A-Za-z0-9.\-]+", domain):
        raise HeaderValueError(f"Message-ID domain {domain!r} is not a host name")
    return f"<{uuid.uuid4().hex}@{domain}>"


def bare_message_id(value: str | None) -> str | None:
    """A Message-ID without angle brackets or whitespace, for comparisons."""
    if value is None:
        return None
    return value.strip().removeprefix("<").removesuffix(">").strip() or None


def angle_message_id(value: str) -> str:
    bare = bare_message_id(value) or ""
    return f"<{bare}>"


def http_date(now: datetime) -> str:
    return format_datetime(now if now.tzinfo else now.replace(tzinfo=UTC), usegmt=True)
