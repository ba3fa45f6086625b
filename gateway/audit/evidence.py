"""Evidence bundles: everything needed to prove, without the gateway, what was received or sent and
what the receipt (MDN) said about it.

A bundle is a zip: ``manifest.json`` and one file per archived artefact. The manifest holds, for each
artefact, the archive record's hashed fields and hash; the chain links from the first to the last record
included (so their order and completeness can be checked); the chain head at export; and the
certificates that signed the message and the MDN. ``verify_bundle`` re-checks all of it offline:
content hashes, record hashes, chain links, the message signature, the MDN signature, and that the MIC
the MDN returned is the MIC of the signed content.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from gateway.archive.chain import compute_hash
from gateway.as2.errors import AS2Error
from gateway.as2.mdn import parse_mdn
from gateway.as2.mic import compute_mic, normalise
from gateway.as2.signed import verify_detached

BUNDLE_FORMAT = "edigw-evidence/1"
MANIFEST = "manifest.json"
MAX_BUNDLE_MEMBER_BYTES = 512 * 1024 * 1024


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def _member(bundle: zipfile.ZipFile, name: str) -> bytes:
    info = bundle.getinfo(name)
    if info.file_size > MAX_BUNDLE_MEMBER_BYTES:
        raise ValueError(f"{name} is larger than {MAX_BUNDLE_MEMBER_BYTES} bytes")
    return bundle.read(name)


def _records(
    bundle: zipfile.ZipFile, manifest: dict[str, Any], report: Report
) -> dict[str, tuple[dict[str, Any], bytes]]:
    by_kind: dict[str, tuple[dict[str, Any], bytes]] = {}
    for entry in manifest["records"]:
        fields, content = entry["fields"], _member(bundle, entry["file"])
        seq = fields["seq"]
        content_ok = hashlib.sha256(content).hexdigest() == fields["content_sha256"]
        report.add(
            f"record {seq} content",
            content_ok,
            f"{entry['file']} {'matches' if content_ok else 'does NOT match'} its archived SHA-256",
        )
        hash_ok = compute_hash(fields) == entry["record_hash"]
        report.add(
            f"record {seq} fields",
            hash_ok,
            "record hash recomputed" if hash_ok else "record fields were altered",
        )
        by_kind.setdefault(fields["kind"], (entry, content))
    return by_kind


def _links(manifest: dict[str, Any], report: Report) -> None:
    links = manifest["links"]
    broken = [
        f"{b['seq']}"
        for a, b in itertools.pairwise(links)
        if b["prev_hash"] != a["record_hash"] or b["seq"] != a["seq"] + 1
    ]
    included = {e["fields"]["seq"]: e["record_hash"] for e in manifest["records"]}
    listed = {link["seq"]: link["record_hash"] for link in links}
    missing = [str(seq) for seq, digest in included.items() if listed.get(seq) != digest]
    ok = not broken and not missing
    detail = (
        f"{len(links)} consecutive links from record {links[0]['seq']} to {links[-1]['seq']}"
        if ok
        else (f"broken at {', '.join(broken)}; records not on the chain: {', '.join(missing)}")
    )
    report.add("chain", ok, detail)


def _certificates(pems: list[str]) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(pem.encode()) for pem in pems]


def _message_signature(records: dict[str, tuple[dict[str, Any], bytes]], report: Report) -> str | None:
    """Verify the partner's (or our) signature over the signed entity; returns its MIC if it holds."""
    signed = records.get("as2-signed-entity")
    if signed is None:
        return None
    entry, content = signed
    meta = entry["fields"]["meta"]
    signer = _certificates([meta["signer_pem"]]) if meta.get("signer_pem") else []
    try:
        verified = verify_detached(base64.b64decode(meta["signature_der_base64"]), [content], signer)
        report.add(
            "message signature",
            True,
            f"signed by {verified.signer.subject.rfc4514_string()} ({verified.digest_algorithm})",
        )
    except AS2Error as exc:
        report.add("message signature", False, f"does not verify: {exc}")
    algorithm = normalise(meta.get("mic_algorithm") or "") or "sha256"
    mic = compute_mic(content, algorithm)
    report.add("MIC", mic == meta.get("mic"), f"{algorithm} MIC of the signed content is {mic}")
    return mic


def _mdn(
    records: dict[str, tuple[dict[str, Any], bytes]],
    manifest: dict[str, Any],
    mic: str | None,
    report: Report,
) -> None:
    kind = "as2-mdn-out" if "as2-mdn-out" in records else "as2-mdn-in"
    found = records.get(kind)
    if found is None:
        report.add("MDN", False, "the bundle holds no MDN")
        return
    entry, body = found
    signer_pems = manifest["certificates"]["station" if kind == "as2-mdn-out" else "partner"]
    headers = [(n, v) for n, v in entry["fields"]["meta"]["headers"]]
    try:
        mdn = parse_mdn(
            headers, body, partner_certs=_certificates(signer_pems), require_signature=bool(signer_pems)
        )
    except AS2Error as exc:
        report.add("MDN signature", False, f"does not verify: {exc}")
        return
    who = mdn.signer.subject.rfc4514_string() if mdn.signer else "nobody (unsigned)"
    report.add("MDN signature", mdn.signer is not None or not signer_pems, f"signed by {who}")
    expected_id = manifest["exchange"]["as2_message_id"]
    report.add(
        "MDN answers the message",
        mdn.original_message_id == expected_id,
        f"Original-Message-ID {mdn.original_message_id}",
    )
    report.add("MDN disposition", True, mdn.disposition)
    if mic is not None:
        report.add(
            "MDN MIC", mdn.received_mic == mic, f"Received-Content-MIC {mdn.received_mic} vs computed {mic}"
        )


def verify_bundle(data: bytes) -> Report:
    """Check an evidence bundle offline; every check is reported, the first failure does not stop it."""
    report = Report()
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(_member(bundle, MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        report.add("bundle", False, f"not an evidence bundle: {exc}")
        return report
    if manifest.get("format") != BUNDLE_FORMAT:
        report.add("bundle", False, f"unknown format {manifest.get('format')!r}")
        return report
    records = _records(bundle, manifest, report)
    _links(manifest, report)
    mic = _message_signature(records, report)
    _mdn(records, manifest, mic, report)
    return report
