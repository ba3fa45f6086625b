"""A small real HTTP ERP endpoint for tests: records every request, answers from a script of statuses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ErpEndpoint:
    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def documents(self) -> list[dict[str, Any]]:
        """The bodies of the requests the ERP accepted (2xx)."""
        with self.lock:
            return [
                json.loads(body)
                for headers, body in self.requests
                if headers.get("x-answered", "").startswith("2")
            ]


@contextmanager
def erp_endpoint(statuses: list[int] | None = None) -> Iterator[ErpEndpoint]:
    endpoint = ErpEndpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with endpoint.lock:
                status = endpoint.statuses.pop(0) if endpoint.statuses else 200
                headers = {k.lower(): v for k, v in self.headers.items()} | {"x-answered": str(status)}
                endpoint.requests.append((headers, body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/edi/documents"
    endpoint.statuses = list(statuses or [])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
