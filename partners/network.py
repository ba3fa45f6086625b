"""Endpoint URL and host rules for partner transports, without resolving any name.

An address literal (or a name that is obviously local, like ``localhost``) pointing into a private,
loopback, link-local or otherwise non-global range is refused unless the profile says
``allow_private_network``; plain ``http`` is refused unless it says ``allow_insecure_http``. Names are
never resolved here: the transport re-checks the resolved address when it connects.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import SplitResult, urlsplit

from pydantic_core import PydanticCustomError

URL_MAX_LENGTH: Final = 2048
HOSTNAME_MAX_LENGTH: Final = 253
HOST_LABEL: Final = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
NUMERIC_LABEL: Final = re.compile(r"(0[xX][0-9A-Fa-f]*|[0-9]+)")
LOCAL_NAMES: Final = ("localhost", "localhost.localdomain")
SECURE_SCHEME: Final = "https"
INSECURE_SCHEME: Final = "http"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _refuse(kind: str, message: str, **context: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def non_global_range(address: IPAddress) -> str | None:
    """The name of the non-public range ``address`` belongs to, or ``None`` for a global address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return non_global_range(embedded)
    checks = (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_unspecified, "unspecified"),
        (address.is_multicast, "multicast"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "non-global"),
    )
    return next((name for hit, name in checks if hit), None)


def _address_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _check_hostname(host: str) -> None:
    name = host.rstrip(".").lower()
    labels_ok = all(HOST_LABEL.fullmatch(label) for label in name.split("."))
    if not name or len(name) > HOSTNAME_MAX_LENGTH or not labels_ok:
        raise _refuse("host_invalid", "host {host} is not a valid host name or address", host=host)
    if NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        raise _refuse(
            "host_ambiguous_address",
            "host {host} looks like a non-standard IPv4 address; write the dotted-quad form",
            host=host,
        )


def check_host(host: str, *, allow_private_network: bool) -> str:
    """A host name or address literal; a non-global literal or ``localhost`` needs the explicit flag."""
    address = _address_literal(host)
    if address is None:
        _check_hostname(host)
        name = host.rstrip(".").lower()
        is_local = name in LOCAL_NAMES or name.endswith(".localhost")
        range_name = "loopback" if is_local else None
    else:
        range_name = non_global_range(address)
    if range_name is not None and not allow_private_network:
        raise _refuse(
            "host_private_network",
            "host {host} is in a {range} address range; set allow_private_network to allow it",
            host=host,
            range=range_name,
        )
    return host


def _split(url: str) -> SplitResult:
    if len(url) > URL_MAX_LENGTH or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) > 0x7E for ch in url):
        raise _refuse("url_invalid", "URL must be at most 2048 printable ASCII characters without spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - property raises on an out-of-range port
    except ValueError as exc:
        raise _refuse("url_invalid", "URL cannot be parsed: {reason}", reason=str(exc)) from None
    return parts


def check_url(url: str, *, allow_insecure_http: bool, allow_private_network: bool) -> str:
    """An absolute http(s) URL without credentials or fragment, whose host passes :func:`check_host`."""
    parts = _split(url)
    if parts.scheme not in (SECURE_SCHEME, INSECURE_SCHEME):
        raise _refuse("url_scheme", "URL scheme must be https (or http with allow_insecure_http)")
    if parts.scheme == INSECURE_SCHEME and not allow_insecure_http:
        raise _refuse("url_not_https", "URL must use https; set allow_insecure_http to allow plain http")
    if parts.port == 0:
        raise _refuse("url_invalid", "URL port must be 1 to 65535")
    if not parts.hostname:
        raise _refuse("url_invalid", "URL has no host")
    if parts.username is not None or parts.password is not None:
        raise _refuse("url_credentials", "URL must not carry credentials; use the basic auth settings")
    if parts.fragment:
        raise _refuse("url_fragment", "URL must not have a fragment")
    check_host(parts.hostname, allow_private_network=allow_private_network)
    return url
