"""Pipeline throughput: documents/s from an accepted inbound exchange to delivery at a real ERP webhook,
with p50/p99 latency from acceptance to delivery, through real relay and worker processes.

Printed beside the floor measured in the same run: translating the same interchanges in-process
(no database, no broker, no HTTP), which is the most the pipeline could do on one core.

Usage: python benchmarks/pipeline_throughput.py [--documents 400] [--workers 2]
       [--database-url postgresql+psycopg://... --broker-url amqp://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.inbound.service import Received, accept
from gateway.onboarding.service import create_partner
from translators.api import render_outbound, translate_inbound
from translators.canonical import OrderLine, PurchaseOrder, Quantity
from translators.options import InboundOptions, OutboundOptions

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
LINES_PER_PO = 20


def _interchange(n: int) -> bytes:
    lines = tuple(
        OrderLine(line_number=str(i), quantity=Quantity(value=i, unit="EA"))
        for i in range(1, LINES_PER_PO + 1)
    )
    po = PurchaseOrder(po_number=f"PO-{n:07d}", order_date=NOW.date(), lines=lines)
    options = OutboundOptions(
        syntax="x12", sender_id="BENCHSUPPLIER", receiver_id="OURCO", interchange_control_number=n,
        group_control_number=n, now=NOW, version="004010",
    )  # fmt: skip
    return render_outbound(po, options)


def _floor(interchanges: list[bytes]) -> float:
    start = time.perf_counter()
    for data in interchanges:
        translate_inbound(data, InboundOptions(now=NOW))
    return len(interchanges) / (time.perf_counter() - start)


class _Erp:
    """A real ERP webhook that records when each document arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        erp = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                erp.arrived.setdefault(body["number"], time.time())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/erp"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _start(settings: Settings, erp_url: str, workers: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    env = dict(
        os.environ,
        EDIGW_DATA_DIR=str(settings.data_dir),
        EDIGW_ERP_CONNECTOR="webhook",
        EDIGW_ERP_WEBHOOK_URL=erp_url,
        EDIGW_LOG_LEVEL="WARNING",
        EDIGW_RELAY_INTERVAL_SECONDS="0.02",
        EDIGW_QUEUE_PREFIX=settings.queue_prefix,
    )
    for name in ("database_url", "broker_url"):
        value = getattr(settings, name)
        if value:
            env[f"EDIGW_{name.upper()}"] = value
    cli = [sys.executable, "-m", "gateway.cli"]
    procs = [subprocess.Popen([*cli, "relay"], env=env)]
    for _ in range(workers):
        procs.append(subprocess.Popen([*cli, "worker", "--concurrency", str(concurrency)], env=env))
    return procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--database-url")
    parser.add_argument("--broker-url")
    args = parser.parse_args()
    interchanges = [_interchange(n) for n in range(1, args.documents + 1)]
    floor = _floor(interchanges)
    erp = _Erp()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=args.database_url, broker_url=args.broker_url,
            queue_prefix=f"bench{os.getpid()}-",
        )  # fmt: skip
        upgrade(settings)
        db = get_database(settings)
        with db.transaction() as session:
            partner = {
                "code": "bench",
                "name": "Bench",
                "identities": {"x12": [{"isa_qualifier": "ZZ", "isa_id": "BENCHSUPPLIER"}]},
            }
            partner_id = create_partner(session, partner).id
        procs = _start(settings, erp.url, args.workers, args.concurrency)
        try:
            time.sleep(3)
            accepted: dict[str, float] = {}
            start = time.time()
            for n, data in enumerate(interchanges, 1):
                with db.transaction() as session:
                    accept(session, settings, Received(partner_id, "rest", data, None, f"bench-{n}"))
                accepted[f"PO-{n:07d}"] = time.time()
            deadline = time.time() + 600
            while len(erp.arrived) < len(interchanges) and time.time() < deadline:
                time.sleep(0.05)
            elapsed = max(erp.arrived.values()) - start
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(60)
    latencies = sorted(erp.arrived[number] - accepted[number] for number in erp.arrived)
    layout = "PostgreSQL + RabbitMQ" if args.database_url else "embedded (SQLite + filesystem broker)"
    rate = len(erp.arrived) / elapsed
    print(f"pipeline, {layout}, {args.workers} workers x {args.concurrency}, 850 with {LINES_PER_PO} lines")
    print(f"  delivered  : {len(erp.arrived)}/{len(interchanges)} documents, {rate:.1f} documents/s")
    p50, p99 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99)] * 1000
    print(f"  latency    : p50 {p50:.0f} ms, p99 {p99:.0f} ms (accepted -> at the ERP)")
    print(f"  floor      : {floor:.1f} documents/s translating in-process on one core ({rate / floor:.1%})")
    if len(erp.arrived) < len(interchanges):
        raise SystemExit("not every document reached the ERP")


if __name__ == "__main__":
    main()
