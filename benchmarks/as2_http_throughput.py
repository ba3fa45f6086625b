"""End-to-end AS2 receive over HTTP: signed + encrypted 1 KB messages POSTed to a real `edigw api`,
each unwrapped, accepted (DB commit + archive) and answered with a signed sync MDN.

Printed beside the codec alone (unwrap + signed MDN, no HTTP, no DB) measured in the same run, scaled to
the machine's cores: that is the ceiling the HTTP + database path is compared with.

Usage: python benchmarks/as2_http_throughput.py [--messages 2000] [--clients 16] [--http-workers 2]
       [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from gateway.as2 import (
    InboundPolicy,
    KeyPair,
    MdnRequest,
    OutboundPayload,
    SendOptions,
    build_mdn,
    build_message,
    disposition_text,
    unwrap,
)
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.keys import master_key
from gateway.onboarding.service import create_partner
from partners.keys import CertificateUsage, DistinguishedName
from partners.profile import PartnerIdentities

PAYLOAD = (
    b"ISA*00*          *00*          *ZZ*BENCHPARTNER   *ZZ*GATEWAY        "
    b"*261120*0930*U*00401*000000001*0*P*>~" + b"X" * 1024
)[:1024]
BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})


def _identity(name: str) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256())
    )  # fmt: skip
    return KeyPair(key, cert)


def _setup(settings: Settings, partner: KeyPair) -> x509.Certificate:
    upgrade(settings)
    with get_database(settings).transaction() as session:
        station = certs.create_station(session, "main", "Main", PartnerIdentities(as2_id="GATEWAY"))
        made = certs.generate_station_key(
            session, station.id, DistinguishedName(common_name="GATEWAY"), BOTH, master_key(settings)
        )
        partner_id = create_partner(
            session, {"code": "bench", "name": "Bench", "identities": {"as2_id": "BENCHPARTNER"}}
        ).id
        certs.import_partner_certificate(
            session, partner_id, partner.certificate.public_bytes(serialization.Encoding.PEM), BOTH
        )
        return x509.load_pem_x509_certificate(made.certificate.info["pem"].encode())


def _messages(
    partner: KeyPair, station_cert: x509.Certificate, count: int
) -> list[tuple[list[tuple[str, str]], bytes]]:
    options = SendOptions(
        as2_from="BENCHPARTNER", as2_to="GATEWAY", sign_with=partner, encrypt_to=(station_cert,)
    )
    now = dt.datetime.now(dt.UTC)
    out = []
    for n in range(count):
        message = build_message(OutboundPayload(PAYLOAD), options, message_id=f"<bench-{n}@partner>", now=now)
        out.append((list(message.headers), message.body))
    return out


def _codec_rate(partner: KeyPair, station: KeyPair, seconds: float) -> float:
    """unwrap + signed MDN per second on one core, the same work without HTTP and database."""
    options = SendOptions(
        as2_from="BENCHPARTNER", as2_to="GATEWAY", sign_with=partner, encrypt_to=(station.certificate,)
    )
    message = build_message(
        OutboundPayload(PAYLOAD), options, message_id="<codec@partner>", now=dt.datetime.now(dt.UTC)
    )
    policy = InboundPolicy(require_signature=True, require_encryption=True)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        inbound = unwrap(
            message.headers, message.body, keys=[station], partner_certs=[partner.certificate], policy=policy
        )
        request = MdnRequest.from_headers(message.headers)
        build_mdn(request, disposition=disposition_text(), message_id="<m@gw>", now=dt.datetime.now(dt.UTC),
                  received_mic=(inbound.mic, inbound.mic_algorithm), sign_with=station)  # fmt: skip
        done += 1
    return done / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(settings: Settings, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, EDIGW_DATA_DIR=str(settings.data_dir), EDIGW_HTTP_PORT=str(settings.http_port),
               EDIGW_HTTP_WORKERS=str(workers), EDIGW_LOG_LEVEL="WARNING")  # fmt: skip
    if settings.database_url:
        env["EDIGW_DATABASE_URL"] = settings.database_url
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "api"], env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{settings.http_port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the API did not start")


def _load(
    url: str, messages: list[tuple[list[tuple[str, str]], bytes]], clients: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0

    def post(batch: list[tuple[list[tuple[str, str]], bytes]]) -> tuple[list[float], int]:
        lat, bad = [], 0
        with httpx.Client(timeout=60) as client:
            for headers, body in batch:
                started = time.perf_counter()
                response = client.post(url, content=body, headers=headers)
                lat.append(time.perf_counter() - started)
                ok = (
                    response.status_code == 200
                    and b"; processed" in response.content
                    and b"processed/error" not in response.content
                )
                bad += not ok
        return lat, bad

    batches = [messages[i::clients] for i in range(clients)]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for lat, bad in pool.map(post, batches):
            latencies += lat
            failures += bad
    return len(messages) / (time.perf_counter() - start), latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--http-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.database_url, http_port=_free_port())
        partner = _identity("BENCHPARTNER")
        station_cert = _setup(settings, partner)
        with get_database(settings).sessions() as session:
            key = certs.station_keys(session, 1, [master_key(settings)])[0]
        codec = _codec_rate(partner, KeyPair(key.private_key, key.certificate), 3.0)
        messages = _messages(partner, station_cert, args.messages)
        server = _serve(settings, args.http_workers)
        try:
            _load(f"http://127.0.0.1:{settings.http_port}/as2", messages[:100], args.clients)  # warm-up
            rate, latencies, failures = _load(
                f"http://127.0.0.1:{settings.http_port}/as2", messages[100:], args.clients
            )
        finally:
            server.terminate()
            server.wait(30)
    cores = os.cpu_count() or 1
    latencies.sort()
    backend = "PostgreSQL" if args.database_url else "SQLite (embedded)"
    p50, p99 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99)] * 1000
    print(
        f"AS2 receive over HTTP, {backend}, {args.http_workers} API processes, {args.clients} clients, "
        "1 KB signed+encrypted, signed sync MDN"
    )
    print(f"  end to end : {rate:8.1f} msg/s   p50 {p50:.1f} ms   p99 {p99:.1f} ms   failures {failures}")
    print(f"  codec only : {codec:8.1f} msg/s per core, x{cores} cores = {codec * cores:.1f} msg/s ceiling")
    print(f"  share      : {rate / (codec * cores):8.1%} of the codec ceiling (target: >= 300 msg/s)")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
