"""A real AS2 partner for the send side: an HTTP server that unwraps what the gateway posts with the AS2
codec (decrypt with the partner's keys, verify against the gateway's certificate, MIC per RFC 4130) and
answers from a script: a signed, unsigned, negative, tampered or wrong-MIC sync MDN, an empty 200 with
the MDN kept for asynchronous delivery, or a bare HTTP status."""

from __future__ import annotations

import itertools
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509

from gateway.as2 import AS2Error, InboundMessage, InboundPolicy, KeyPair, Mdn, MdnRequest, build_mdn, unwrap
from gateway.as2.errors import DecryptionFailedError
from gateway.as2.mdn import disposition_text
from gateway.models.base import utcnow

SIGNED, UNSIGNED, NEGATIVE, TAMPERED, WRONG_MIC, ASYNC, SLOW = (
    "signed", "unsigned", "negative", "tampered", "wrong-mic", "async", "slow"
)  # fmt: skip
SLOW_SECONDS = 3.0
WRONG_MIC_VALUE = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@dataclass
class As2Peer:
    """``script`` holds one action per request (``signed`` when it runs out); ``"503"`` answers a status."""

    keys: list[KeyPair]
    gateway_cert: x509.Certificate
    url: str = ""
    script: list[str] = field(default_factory=list)
    requests: list[tuple[list[tuple[str, str]], bytes]] = field(default_factory=list)
    received: list[InboundMessage] = field(default_factory=list)
    async_mdns: list[Mdn] = field(default_factory=list)
    client_certs: list[bytes | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def next_action(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else SIGNED

    def answer(self, headers: list[tuple[str, str]], body: bytes, action: str) -> Mdn | None:
        request = MdnRequest.from_headers(headers)
        policy = InboundPolicy(verify_at=utcnow())
        try:
            message = unwrap(headers, body, keys=self.keys, partner_certs=[self.gateway_cert], policy=policy)
        except AS2Error as error:
            return self._mdn(request, disposition_text(error), None, signed=True)
        with self.lock:
            self.received.append(message)
        mic = (
            WRONG_MIC_VALUE if action == WRONG_MIC else message.mic or "",
            message.mic_algorithm or "sha256",
        )
        if action == NEGATIVE:
            return self._mdn(
                request, disposition_text(DecryptionFailedError("peer says no")), None, signed=True
            )
        mdn = self._mdn(request, disposition_text(), mic, signed=action != UNSIGNED)
        if action == TAMPERED:
            body = mdn.body.replace(b"processed", b"Processed", 1)
            return Mdn(mdn.message_id, mdn.headers, body, mdn.disposition, mdn.signed)
        return mdn

    def _mdn(
        self, request: MdnRequest, disposition: str, mic: tuple[str, str] | None, *, signed: bool
    ) -> Mdn:
        return build_mdn(
            request,
            disposition=disposition,
            message_id=f"<mdn-{next(self.counter)}@peer>",
            now=utcnow(),
            received_mic=mic,
            sign_with=self.keys[0] if signed else None,
        )


@contextmanager
def as2_peer(
    keys: list[KeyPair],
    gateway_cert: x509.Certificate,
    script: list[str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> Iterator[As2Peer]:
    """The peer on 127.0.0.1; with ``tls`` it speaks HTTPS as ``localhost``, recording client certificates."""
    peer = As2Peer(keys, gateway_cert, script=list(script or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = list(self.headers.items())
            with peer.lock:
                peer.requests.append((headers, body))
                if isinstance(self.connection, ssl.SSLSocket):
                    peer.client_certs.append(self.connection.getpeercert(binary_form=True))
            action = peer.next_action()
            if action == SLOW:
                time.sleep(SLOW_SECONDS)
                action = SIGNED
            if action.isdigit():
                self._send(int(action), [("Content-Type", "text/plain")], b"scripted failure")
                return
            mdn = peer.answer(headers, body, action)
            if action == ASYNC and mdn is not None:
                with peer.lock:
                    peer.async_mdns.append(mdn)
                self._send(200, [], b"")
                return
            assert mdn is not None
            self._send(200, list(mdn.headers), mdn.body)

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}/as2"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        peer.url = f"https://localhost:{server.server_address[1]}/as2"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
