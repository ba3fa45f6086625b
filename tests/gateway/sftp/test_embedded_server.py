"""The embedded SFTP server against the real OpenSSH ``sftp`` client: uploads reach accept(), downloads
come from ``outbox/``, partners cannot see each other, paths and symlinks cannot escape, wrong keys and
weak algorithms are refused, limits hold."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import paramiko
import pytest
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database
from gateway.models.exchange import Exchange
from gateway.models.partner import Partner
from gateway.onboarding.service import set_enabled
from gateway.sftp.layout import ensure_partner_dirs, write_to_outbox
from gateway.sftp.server import SftpServer
from gateway.sftp.ssh import host_key_path
from tests.gateway.sftp.conftest import Embedded, start_embedded
from tests.gateway.sftp.helpers import SFTP_CLIENT, KeyPair, add_partner, new_key, require_tool, sftp_profile
from tests.integration.processes import wait_until

pytestmark = pytest.mark.integration

DOCUMENT = b"UNA:+.? 'UNB+UNOC:3+ACME:14+US:14+260101:1200+1'\n"


@pytest.fixture(autouse=True)
def _client_installed() -> None:
    require_tool(SFTP_CLIENT)


@pytest.fixture
def acme_key(embedded: Embedded) -> KeyPair:
    key = new_key(embedded.peer.workdir, "acme_key")
    add_partner(embedded.settings, sftp_profile("acme", inbound_keys=[key.public_line]))
    return key


@pytest.fixture
def beta_key(embedded: Embedded) -> KeyPair:
    key = new_key(embedded.peer.workdir, "beta_key")
    add_partner(embedded.settings, sftp_profile("beta", inbound_keys=[key.public_line]))
    return key


def _partner_dir(settings: Settings, code: str) -> Path:
    return settings.resolved_sftp_root / code


def test_upload_is_accepted_and_outbox_documents_download(embedded: Embedded, acme_key: KeyPair) -> None:
    (embedded.peer.workdir / "order.edi").write_bytes(DOCUMENT)
    up = embedded.peer.run("acme", acme_key.private, "put order.edi inbox/order.edi\nls -l inbox\n")
    assert up.returncode == 0, up.stderr
    assert "order.edi" in up.stdout

    [taken] = embedded.watcher.scan(0.0)  # the server reported the upload closed: no settle wait
    assert taken.result is not None and not taken.result.duplicate
    with get_database(embedded.settings).sessions() as session:
        exchange = session.scalars(select(Exchange)).one()
    assert (exchange.transport, exchange.filename, exchange.size) == ("sftp", "order.edi", len(DOCUMENT))
    assert (_partner_dir(embedded.settings, "acme") / "archive" / "order.edi").read_bytes() == DOCUMENT

    write_to_outbox(embedded.settings, "acme", "ack.edi", b"UNB+CONTRL'")
    down = embedded.peer.run(
        "acme",
        acme_key.private,
        "get outbox/ack.edi ack.edi\nget archive/order.edi back.edi\nrm outbox/ack.edi\n",
    )
    assert down.returncode == 0, down.stderr
    assert (embedded.peer.workdir / "ack.edi").read_bytes() == b"UNB+CONTRL'"
    assert (embedded.peer.workdir / "back.edi").read_bytes() == DOCUMENT
    assert not (_partner_dir(embedded.settings, "acme") / "outbox" / "ack.edi").exists()


def test_upload_under_a_temp_name_then_rename_is_taken_after_the_rename(
    embedded: Embedded, acme_key: KeyPair
) -> None:
    (embedded.peer.workdir / "order.edi").write_bytes(DOCUMENT)
    first = embedded.peer.run("acme", acme_key.private, "put order.edi inbox/order.edi.part\n")
    assert first.returncode == 0, first.stderr
    assert embedded.watcher.scan(0.0) == [], "a temp name is never taken"
    second = embedded.peer.run("acme", acme_key.private, "rename inbox/order.edi.part inbox/order.edi\n")
    assert second.returncode == 0, second.stderr
    assert [t.path.name for t in embedded.watcher.scan(0.0)] == ["order.edi"]


def test_a_partner_sees_and_touches_only_its_own_folder(
    embedded: Embedded, acme_key: KeyPair, beta_key: KeyPair
) -> None:
    write_to_outbox(embedded.settings, "acme", "secret.edi", b"for acme only")
    (embedded.peer.workdir / "x.edi").write_bytes(b"beta data")
    attempts = [
        "get outbox/secret.edi",
        "get ../acme/outbox/secret.edi",
        "get /../acme/outbox/secret.edi",
        "ls ../acme",
        "rm ../acme/outbox/secret.edi",
        "put x.edi ../acme/inbox/x.edi",
    ]
    for command in attempts:
        result = embedded.peer.run("beta", beta_key.private, command + "\n")
        assert result.returncode != 0, f"beta could run {command!r}: {result.stdout}"
    listing = embedded.peer.run("beta", beta_key.private, "ls -1 /\nls -1 outbox\n")
    assert listing.returncode == 0, listing.stderr
    listed = [line.strip() for line in listing.stdout.splitlines() if not line.startswith("sftp>")]
    assert listed == ["/archive", "/inbox", "/outbox"], "beta's outbox is empty; acme's file is not there"
    wrong_account = embedded.peer.run("acme", beta_key.private, "ls\n")
    assert wrong_account.returncode == 255
    assert "Permission denied (publickey)" in wrong_account.stderr
    assert (
        _partner_dir(embedded.settings, "acme") / "outbox" / "secret.edi"
    ).read_bytes() == b"for acme only"
    assert not (_partner_dir(embedded.settings, "acme") / "inbox" / "x.edi").exists()


def test_traversal_and_absolute_paths_stay_inside(
    embedded: Embedded, acme_key: KeyPair, tmp_path: Path
) -> None:
    (embedded.peer.workdir / "evil.edi").write_bytes(b"evil")
    ensure_partner_dirs(embedded.settings, "acme")
    before = {p for p in tmp_path.rglob("*") if "client" not in p.parts}
    for command in [
        "put evil.edi ../../evil.edi",
        "put evil.edi /evil.edi",
        f"put evil.edi {tmp_path}/evil.edi",
        "put evil.edi inbox/../../evil.edi",
        "put evil.edi outbox/evil.edi",
        "put evil.edi archive/evil.edi",
        "get /etc/passwd passwd",
        "get ../../../../etc/passwd passwd",
        "mkdir inbox/sub",
        "rm archive/anything",
    ]:
        result = embedded.peer.run("acme", acme_key.private, command + "\n")
        assert result.returncode != 0, f"{command!r} was allowed: {result.stdout}"
    after = {p for p in tmp_path.rglob("*") if "client" not in p.parts}
    assert after - before == set(), "nothing was created anywhere"
    assert not (embedded.peer.workdir / "passwd").exists()
    here = embedded.peer.run("acme", acme_key.private, "cd ../../..\npwd\n")
    assert "Remote working directory: /" in here.stdout


def test_symlinks_are_neither_created_nor_followed(embedded: Embedded, acme_key: KeyPair) -> None:
    (embedded.peer.workdir / "order.edi").write_bytes(DOCUMENT)
    assert embedded.peer.run("acme", acme_key.private, "put order.edi inbox/order.edi\n").returncode == 0
    made = embedded.peer.run("acme", acme_key.private, "symlink /inbox/order.edi /inbox/link.edi\n")
    assert made.returncode != 0
    assert "Permission denied" in made.stderr
    outbox = _partner_dir(embedded.settings, "acme") / "outbox"
    (outbox / "planted.edi").symlink_to("/etc/passwd")
    (outbox / "dir-link").symlink_to("/etc")
    listing = embedded.peer.run("acme", acme_key.private, "ls -1 outbox\n")
    assert "planted" not in listing.stdout and "dir-link" not in listing.stdout
    for command in ["get outbox/planted.edi p", "ls outbox/dir-link", "get outbox/dir-link/passwd p"]:
        assert embedded.peer.run("acme", acme_key.private, command + "\n").returncode != 0, command
    assert not (embedded.peer.workdir / "p").exists()
    assert not list((_partner_dir(embedded.settings, "acme") / "inbox").glob("link*"))


def test_wrong_unknown_and_disabled_logins_are_refused(embedded: Embedded, acme_key: KeyPair) -> None:
    stranger = new_key(embedded.peer.workdir, "stranger_key")
    for user, key in [("acme", stranger.private), ("nobody", acme_key.private)]:
        result = embedded.peer.run(user, key, "ls\n")
        assert result.returncode == 255 and "Permission denied (publickey)" in result.stderr
    no_key = embedded.peer.run(
        "acme", acme_key.private, "ls\n", "PubkeyAuthentication=no", "PreferredAuthentications=password"
    )
    assert no_key.returncode == 255, "there is no other way in than a key"
    assert "Permission denied (publickey)" in no_key.stderr, "only publickey is offered"
    with get_database(embedded.settings).transaction() as session:
        acme = session.scalars(select(Partner).where(Partner.code == "acme")).one()
        set_enabled(session, acme.id, False)
    disabled = embedded.peer.run("acme", acme_key.private, "ls\n")
    assert disabled.returncode == 255, "a disabled partner's key no longer logs in (no restart needed)"


@pytest.mark.parametrize(
    "options",
    [
        ("Ciphers=aes128-cbc,aes256-cbc,3des-cbc",),
        ("KexAlgorithms=diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",),
        ("Ciphers=aes128-ctr", "MACs=hmac-sha1,hmac-md5"),
        ("HostKeyAlgorithms=ssh-rsa",),
    ],
)
def test_weak_algorithms_are_not_negotiated(
    embedded: Embedded, acme_key: KeyPair, options: tuple[str, ...]
) -> None:
    result = embedded.peer.run("acme", acme_key.private, "ls\n", *options)
    assert result.returncode == 255
    assert "Unable to negotiate" in result.stderr or "no matching" in result.stderr, result.stderr


def test_size_and_file_count_limits(sftp_settings: Settings, tmp_path: Path) -> None:
    settings = sftp_settings.model_copy(update={"sftp_max_file_bytes": 1000, "sftp_max_files": 2})
    workdir = tmp_path / "limits"
    workdir.mkdir()
    running, stop, thread = start_embedded(settings, workdir)
    try:
        key = new_key(workdir, "key")
        add_partner(settings, sftp_profile("acme", inbound_keys=[key.public_line]))
        (workdir / "big.edi").write_bytes(b"x" * 5000)
        (workdir / "small.edi").write_bytes(b"x" * 10)
        big = running.peer.run("acme", key.private, "put big.edi inbox/big.edi\n")
        assert big.returncode != 0
        inbox = settings.resolved_sftp_root / "acme" / "inbox"
        assert not (inbox / "big.edi").exists(), "an oversized upload is removed"
        ok = running.peer.run("acme", key.private, "put small.edi inbox/a.edi\nput small.edi inbox/b.edi\n")
        assert ok.returncode == 0, ok.stderr
        third = running.peer.run("acme", key.private, "put small.edi inbox/c.edi\n")
        assert third.returncode != 0
        assert sorted(p.name for p in inbox.iterdir()) == ["a.edi", "b.edi"]
    finally:
        stop.set()
        thread.join(timeout=10)


def test_the_host_key_is_generated_once_and_kept_private(embedded: Embedded) -> None:
    path = host_key_path(embedded.settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = SftpServer(embedded.settings, lookup=lambda _user: None)
    assert again.host_key.asbytes() == embedded.server.host_key.asbytes()
    assert embedded.server.host_key.get_name() == "ssh-ed25519"


def test_rsa_keys_log_in_with_sha2_signatures_only(embedded: Embedded) -> None:
    key = new_key(embedded.peer.workdir, "rsa_key", rsa_bits=2048)
    add_partner(embedded.settings, sftp_profile("gamma", inbound_keys=[key.public_line]))
    sha1 = embedded.peer.run("gamma", key.private, "ls\n", "PubkeyAcceptedAlgorithms=ssh-rsa")
    assert sha1.returncode == 255, "an ssh-rsa (SHA-1) signature does not log in"
    sha2 = embedded.peer.run(
        "gamma", key.private, "ls\n", "PubkeyAcceptedAlgorithms=rsa-sha2-512,rsa-sha2-256"
    )
    assert sha2.returncode == 0, sha2.stderr


def test_openssh_certificates_do_not_log_in(embedded: Embedded, acme_key: KeyPair) -> None:
    workdir = embedded.peer.workdir
    ca = new_key(workdir, "ca_key")
    Path(f"{acme_key.private}.pub").write_text(acme_key.public_line + "\n")
    signed = subprocess.run(
        ["ssh-keygen", "-q", "-s", str(ca.private), "-I", "acme", "-n", "acme", f"{acme_key.private}.pub"],
        capture_output=True,
        check=False,
    )
    assert signed.returncode == 0, signed.stderr
    only_cert = embedded.peer.run(
        "acme",
        acme_key.private,
        "ls\n",
        f"CertificateFile={acme_key.private}-cert.pub",
        "PubkeyAcceptedAlgorithms=ssh-ed25519-cert-v01@openssh.com",
    )
    assert only_cert.returncode == 255
    assert "Permission denied (publickey)" in only_cert.stderr


def _paramiko_session(embedded: Embedded, key: KeyPair) -> paramiko.Transport:
    transport = paramiko.Transport(("127.0.0.1", embedded.peer.port))
    transport.connect(username="acme", pkey=paramiko.Ed25519Key(filename=str(key.private)))
    return transport


def test_an_upload_cut_off_mid_way_is_never_taken(embedded: Embedded, acme_key: KeyPair) -> None:
    transport = _paramiko_session(embedded, acme_key)
    client = paramiko.SFTPClient.from_transport(transport)
    assert client is not None
    handle = client.open("/inbox/cut.edi", "wb")
    handle.write(DOCUMENT[:20])
    handle.flush()
    transport.close()  # the connection dies with the file still open
    inbox = _partner_dir(embedded.settings, "acme") / "inbox"
    wait_until((inbox / "cut.edi.error").exists, 30, "the server noticed the cut-off upload")
    assert "upload interrupted" in (inbox / "cut.edi.error").read_text()
    assert embedded.watcher.scan(0.0) == []
    assert embedded.watcher.scan(1e9) == [], "not even after the settle time: the note stands"

    (embedded.peer.workdir / "cut.edi").write_bytes(DOCUMENT)
    again = embedded.peer.run("acme", acme_key.private, "put cut.edi inbox/cut.edi\n")
    assert again.returncode == 0, again.stderr
    [taken] = embedded.watcher.scan(1e9 + 1)
    assert taken.result is not None
    assert (_partner_dir(embedded.settings, "acme") / "archive" / "cut.edi").read_bytes() == DOCUMENT


def test_an_idle_session_is_closed_by_the_server(embedded: Embedded, acme_key: KeyPair) -> None:
    embedded.server.idle_seconds = 0.5
    transport = _paramiko_session(embedded, acme_key)
    try:
        client = paramiko.SFTPClient.from_transport(transport)
        assert client is not None
        assert sorted(client.listdir("/")) == ["archive", "inbox", "outbox"]
        channel = client.get_channel()
        assert channel is not None
        wait_until(lambda: channel.closed or channel.eof_received, 30, "the server ended the idle session")
        with pytest.raises((OSError, EOFError, paramiko.SSHException)):
            client.listdir("/")
    finally:
        transport.close()
