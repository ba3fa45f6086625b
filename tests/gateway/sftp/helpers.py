"""Helpers for the SFTP tests: partners with SFTP accounts, fresh SSH key files, the real OpenSSH
``sftp`` client in batch mode, and an OpenSSH ``sshd`` on a loopback port with its own configuration."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from gateway.config import Settings
from gateway.db import get_database
from gateway.onboarding.service import create_partner
from tests.conftest import free_port, require_available

SFTP_CLIENT = "/usr/bin/sftp"
SSHD = "/usr/sbin/sshd"
CLIENT_TIMEOUT_SECONDS = 60
SSHD_START_SECONDS = 20.0


def require_tool(path: str) -> None:
    """A missing peer program fails under CI=true and skips (with the reason) elsewhere."""
    available = Path(path).exists() or shutil.which(path)
    require_available(available, f"{path} is not installed (make tools installs the OpenSSH peers)")


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public_line: str


def new_key(folder: Path, name: str, *, rsa_bits: int | None = None) -> KeyPair:
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        if rsa_bits
        else ed25519.Ed25519PrivateKey.generate()
    )
    private = folder / name
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return KeyPair(private, public)


def sftp_profile(
    code: str, *, inbound_keys: list[str] | None = None, outbound: dict[str, Any] | None = None
) -> dict[str, Any]:
    sftp: dict[str, Any] = {}
    if inbound_keys is not None:
        sftp["inbound"] = {"username": code, "authorized_keys": inbound_keys}
    if outbound is not None:
        sftp["outbound"] = outbound
    return {"code": code, "name": f"Partner {code}", "transports": {"sftp": sftp}}


def add_partner(settings: Settings, profile: dict[str, Any]) -> int:
    with get_database(settings).transaction() as session:
        return create_partner(session, profile).id


@dataclass(frozen=True)
class SftpPeer:
    """The OpenSSH client pointed at one server whose host key is pinned in a known_hosts file."""

    port: int
    known_hosts: Path
    workdir: Path

    def run(
        self, user: str, key: Path, commands: str, *extra_options: str
    ) -> subprocess.CompletedProcess[str]:
        options = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes"]
        options += ["-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null"]
        for option in extra_options:
            options += ["-o", option]
        argv = [SFTP_CLIENT, "-F", "/dev/null", "-b", "-", "-i", str(key), "-P", str(self.port), *options]
        return subprocess.run(
            [*argv, f"{user}@127.0.0.1"],
            input=commands,
            capture_output=True,
            text=True,
            cwd=self.workdir,
            timeout=CLIENT_TIMEOUT_SECONDS,
            check=False,
        )


def known_hosts_line(port: int, key_line: str) -> str:
    return f"[127.0.0.1]:{port} {key_line}\n"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    host_key_line: str
    root: Path


def _host_key(folder: Path) -> str:
    path = folder / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return " ".join((folder / "ssh_host_ed25519_key.pub").read_text().split()[:2])


def sshd_config(folder: Path, port: int, user: str) -> Path:
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {folder / 'ssh_host_ed25519_key'}",
                f"PidFile {folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                f"AllowUsers {user}",
                "Subsystem sftp internal-sftp",
                "ForceCommand internal-sftp",
                "LogLevel VERBOSE",
                "",
            ]
        )
    )
    return config


@contextlib.contextmanager
def running_sshd(folder: Path, authorized_key_lines: list[str]) -> Iterator[Sshd]:
    """OpenSSH sshd as the current user on a free loopback port, foreground, own config and keys."""
    require_tool(SSHD)
    folder.mkdir(parents=True, exist_ok=True)
    user = getpass.getuser()
    host_key = _host_key(folder)
    (folder / "authorized_keys").write_text("\n".join(authorized_key_lines) + "\n")
    port = free_port()
    config = sshd_config(folder, port, user)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation dir sshd requires as root
    log = (folder / "sshd.log").open("wb")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SSHD_START_SECONDS
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sshd did not start: {(folder / 'sshd.log').read_text()}", pytrace=False)
            time.sleep(0.05)
        yield Sshd(port, user, host_key, folder)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
