"""Posting an AS2 message over HTTP(S) to a partner (RFC 4130 §5): the host name is resolved once and
every address is checked against the private-network rules (SSRF) unless the profile allows them, the
connection goes to a checked address (no second lookup to rebind), TLS is verified against the host
name, redirects are never followed and the response read is capped.

Outcomes: a reply (any status below 300), :class:`RetryableSendError` (no answer, 5xx, 408/429) for the
outbox to retry with backoff, or a :class:`PermanentJobError` (4xx, 3xx, refused address).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization

from gateway.as2.cms import KeyPair
from gateway.errors import GatewayError, PermanentJobError
from partners.network import non_global_range

CONNECT_TIMEOUT_SECONDS = 15.0
TRANSFER_TIMEOUT_SECONDS = 300.0
POOL_TIMEOUT_SECONDS = 15.0
MAX_REPLY_BYTES = 4 * 1024 * 1024
RETRYABLE_STATUSES = frozenset({408, 425, 429})
DEFAULT_PORTS = {"https": 443, "http": 80}
MAX_ERROR_TEXT = 300


class RetryableSendError(GatewayError):
    """The partner could not be reached or answered 5xx: the same bytes are sent again later."""

    http_status = 502
    code = "as2_send_retry"


class SendRefusedError(PermanentJobError):
    """The partner refused the message (4xx) or redirected it: retrying the same bytes cannot help."""

    code = "as2_send_refused"


class PrivateAddressError(PermanentJobError):
    """The partner host resolves to a private/loopback/non-global address the profile does not allow."""

    code = "as2_private_address"


@dataclass(frozen=True)
class Endpoint:
    url: str
    allow_private_network: bool = False
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    client_key: KeyPair | None = field(default=None, repr=False)
    timeout_seconds: float = TRANSFER_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    truncated: bool = False


def checked_addresses(host: str, port: int, *, allow_private_network: bool) -> list[str]:
    """Resolve ``host``; every resolved address must be allowed, and they are tried in order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise RetryableSendError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise RetryableSendError(f"{host} resolves to no address")
    for address in addresses:
        refused = non_global_range(ipaddress.ip_address(address.split("%", 1)[0]))
        if refused is not None and not allow_private_network:
            raise PrivateAddressError(
                f"{host} resolves to {address}, a {refused} address, and the profile does not set "
                "allow_private_network"
            )
    return addresses


@contextlib.contextmanager
def _tls_context(client_key: KeyPair | None) -> Iterator[ssl.SSLContext]:
    context = ssl.create_default_context()
    if client_key is not None:
        with tempfile.TemporaryDirectory(prefix="edigw-tls-") as folder:
            path = Path(folder) / "client.pem"
            path.touch(mode=0o600)
            path.write_bytes(_pem(client_key))
            context.load_cert_chain(path)
    yield context


def _pem(pair: KeyPair) -> bytes:
    key = pair.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key + pair.certificate.public_bytes(serialization.Encoding.PEM)


def _pinned(url: str, address: str) -> tuple[httpx.URL, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return httpx.URL(url).copy_with(host=address, port=port), netloc


def _classify(status: int, body: bytes) -> None:
    text = body[:MAX_ERROR_TEXT].decode("utf-8", "replace")
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise RetryableSendError(f"partner answered HTTP {status}: {text}")
    if status >= 300:
        kind = "redirected (redirects are not followed)" if status < 400 else "refused the message"
        raise SendRefusedError(f"partner {kind}: HTTP {status}: {text}")


def _read(response: httpx.Response) -> tuple[bytes, bool]:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            return b"".join(chunks)[:MAX_REPLY_BYTES], True
    return b"".join(chunks), False


def _exchange(client: httpx.Client, request: httpx.Request, auth: httpx.Auth | None) -> Reply:
    response = client.send(request, auth=auth, stream=True)
    try:
        data, truncated = _read(response)
    finally:
        response.close()
    return Reply(response.status_code, tuple(response.headers.multi_items()), data, truncated)


def post(endpoint: Endpoint, headers: tuple[tuple[str, str], ...], body: bytes) -> Reply:
    """POST the exact ``headers`` and ``body``; returns the reply or raises as the module docstring says.

    The checked addresses are tried in order while the connection itself fails (nothing sent yet).
    """
    parts = urlsplit(endpoint.url)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    host = parts.hostname or ""
    addresses = checked_addresses(host, port, allow_private_network=endpoint.allow_private_network)
    timeout = httpx.Timeout(
        endpoint.timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS, pool=POOL_TIMEOUT_SECONDS
    )
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    auth = httpx.BasicAuth(*endpoint.basic_auth) if endpoint.basic_auth else None
    failure: httpx.HTTPError | None = None
    with (
        _tls_context(endpoint.client_key) as context,
        httpx.Client(verify=context, timeout=timeout, follow_redirects=False, trust_env=False) as client,
    ):
        for address in addresses:
            url, netloc = _pinned(endpoint.url, address)
            request = client.build_request(
                "POST", url, headers=[("Host", netloc), *headers], content=body, extensions=extensions
            )
            try:
                reply = _exchange(client, request, auth)
                break
            except httpx.ConnectError as exc:
                failure = exc
            except httpx.HTTPError as exc:
                raise RetryableSendError(f"no answer from {netloc}: {type(exc).__name__}: {exc}") from exc
        else:
            raise RetryableSendError(f"cannot connect to {host}:{port}: {failure}") from failure
    _classify(reply.status, reply.body)
    return reply
