"""OpenSSH public key validation: accepted types and sizes, refused types, malformed lines, fingerprints."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from partners.errors import SshKeyError
from partners.ssh_keys import SshPublicKey, parse_ssh_public_key
from tests.partners.factories import ecdsa_line, ed25519_line, rsa_line


@pytest.mark.parametrize(
    "line",
    [
        ed25519_line(),
        rsa_line(2048),
        rsa_line(3072),
        ecdsa_line(ec.SECP256R1()),
        ecdsa_line(ec.SECP384R1()),
        ecdsa_line(ec.SECP521R1()),
    ],
    ids=["ed25519", "rsa2048", "rsa3072", "p256", "p384", "p521"],
)
def test_accepted_keys(line: str) -> None:
    key_type, key_b64, _ = parse_ssh_public_key(line)
    assert line.startswith(f"{key_type} {key_b64}")


def test_short_rsa_key_is_refused() -> None:
    with pytest.raises(SshKeyError, match="1024 bits; at least 2048"):
        parse_ssh_public_key(rsa_line(1024))


def test_type_mismatch_between_line_and_blob_is_refused() -> None:
    blob = ed25519_line().split()[1]
    with pytest.raises(SshKeyError, match="of type 'ssh-ed25519' but the line says 'ssh-rsa'"):
        parse_ssh_public_key(f"ssh-rsa {blob}")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "not accepted"),
        ("ssh-ed25519-cert-v01@openssh.com AAAA", "certificates are not accepted"),
        ("sk-ssh-ed25519@openssh.com AAAA", "not accepted"),
        ("ssh-ed25519", "expected 'type base64-key"),
        ("ssh-ed25519 not*base64", "not valid base64"),
        ("ssh-ed25519 AAAA", "truncated"),
        (
            "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x05abc").decode(),
            "cannot be",
        ),
        ('from="10.0.0.1" ssh-ed25519 AAAA', "not accepted"),
    ],
)
def test_refused_lines(line: str, reason: str) -> None:
    with pytest.raises(SshKeyError, match=reason):
        parse_ssh_public_key(line)


def test_model_accepts_a_line_and_keeps_the_comment() -> None:
    line = ed25519_line("ops@acme")
    key = SshPublicKey.model_validate(line)
    assert key.comment == "ops@acme"
    assert key.line == line
    assert SshPublicKey.model_validate(key.model_dump()) == key


@pytest.mark.usefixtures("ssh_keygen")
def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
    line = (tmp_path / "id.pub").read_text().strip()
    printed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "id.pub")], check=True, capture_output=True, text=True
    ).stdout.split()[1]
    assert SshPublicKey.model_validate(line).fingerprint == printed
