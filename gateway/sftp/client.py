"""The SFTP client for partners' own servers: connect with the pinned host key checked before any
credential is sent, upload under a temp name then rename, list and download from ``download_dir``, and
remove a remote file only when it is still the one that was imported."""

from __future__ import annotations

import contextlib
import posixpath
import socket
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import paramiko

from gateway.config import Settings
from gateway.sftp.credentials import load_client_key, load_secret
from gateway.sftp.errors import FileTooLargeError, HostKeyMismatchError, SftpError
from gateway.sftp.layout import check_file_name, is_document_name
from gateway.sftp.ssh import HOST_KEY_ALGORITHMS, fingerprint_of, new_transport, same_key
from partners.transports import SftpOutboundSettings

READ_CHUNK: Final = 256 * 1024


@dataclass(frozen=True)
class RemoteFile:
    path: str
    name: str
    size: int
    mtime: int


def _verify_host_key(transport: paramiko.Transport, remote: SftpOutboundSettings) -> None:
    offered = transport.get_remote_server_key()
    if not same_key(offered, remote.host_key):
        raise HostKeyMismatchError(
            remote.host, remote.port, remote.host_key.fingerprint, fingerprint_of(offered)
        )


def _start(settings: Settings, remote: SftpOutboundSettings) -> paramiko.Transport:
    try:
        sock = socket.create_connection((remote.host, remote.port), timeout=settings.sftp_timeout_seconds)
    except OSError as exc:
        raise SftpError(f"cannot connect to {remote.host}:{remote.port}: {exc}") from exc
    transport = new_transport(sock)
    transport.banner_timeout = settings.sftp_timeout_seconds
    transport.handshake_timeout = settings.sftp_timeout_seconds
    transport.auth_timeout = settings.sftp_timeout_seconds
    transport.get_security_options().key_types = HOST_KEY_ALGORITHMS[remote.host_key.key_type]
    try:
        transport.start_client(timeout=settings.sftp_timeout_seconds)
    except paramiko.SSHException as exc:
        transport.close()
        raise SftpError(
            f"SSH handshake with {remote.host}:{remote.port} failed ({exc}); the pinned host key is a "
            f"{remote.host_key.key_type} key {remote.host_key.fingerprint}"
        ) from exc
    return transport


def _authenticate(settings: Settings, transport: paramiko.Transport, remote: SftpOutboundSettings) -> None:
    try:
        if remote.client_key_ref is not None:
            transport.auth_publickey(remote.username, load_client_key(settings, remote.client_key_ref))
        elif remote.password_secret_ref is not None:
            password = load_secret(settings, remote.password_secret_ref).decode("utf-8")
            transport.auth_password(remote.username, password)
    except paramiko.AuthenticationException as exc:
        raise SftpError(
            f"{remote.host}:{remote.port} refused the login of {remote.username!r}: {exc}"
        ) from exc


@contextlib.contextmanager
def connect(settings: Settings, remote: SftpOutboundSettings) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session with the partner's server; raises HostKeyMismatchError before logging in."""
    transport = _start(settings, remote)
    try:
        _verify_host_key(transport, remote)
        _authenticate(settings, transport, remote)
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise SftpError(f"{remote.host}:{remote.port} did not open an SFTP session")
        channel = client.get_channel()
        if channel is not None:
            channel.settimeout(settings.sftp_timeout_seconds)
        with client:
            yield client
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise SftpError(f"SFTP with {remote.host}:{remote.port} failed: {exc}") from exc
    finally:
        transport.close()


def upload(client: paramiko.SFTPClient, remote: SftpOutboundSettings, filename: str, content: bytes) -> str:
    """Write ``content`` under a temp name in ``upload_dir`` and rename it into place; returns the path."""
    final = posixpath.join(remote.upload_dir, check_file_name(filename))
    temp = final + remote.temp_suffix
    with client.open(temp, "wb") as out:
        out.set_pipelined(True)
        out.write(content)
    written = client.stat(temp).st_size
    if written != len(content):
        raise SftpError(f"{temp} has {written} bytes after upload, expected {len(content)}")
    try:
        client.posix_rename(temp, final)
    except OSError:
        with contextlib.suppress(OSError):
            client.remove(final)
        client.rename(temp, final)
    return final


def list_downloads(client: paramiko.SFTPClient, remote: SftpOutboundSettings) -> list[RemoteFile]:
    """Regular, non-temp files in ``download_dir``, oldest first."""
    folder = remote.download_dir or "."
    files = []
    for attrs in client.listdir_attr(folder):
        name = attrs.filename
        if not is_document_name(name) or name.endswith(remote.temp_suffix):
            continue
        if attrs.st_mode is None or not stat.S_ISREG(attrs.st_mode):
            continue
        files.append(RemoteFile(posixpath.join(folder, name), name, attrs.st_size or 0, attrs.st_mtime or 0))
    return sorted(files, key=lambda f: (f.mtime, f.name))


def download(client: paramiko.SFTPClient, file: RemoteFile, max_bytes: int) -> bytes:
    if file.size > max_bytes:
        raise FileTooLargeError(f"{file.path} has {file.size} bytes; at most {max_bytes} are accepted")
    chunks = []
    total = 0
    with client.open(file.path, "rb") as handle:
        handle.prefetch(file.size)
        while chunk := handle.read(READ_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise FileTooLargeError(f"{file.path} grew beyond {max_bytes} bytes while downloading")
            chunks.append(chunk)
    return b"".join(chunks)


def remove_if_unchanged(client: paramiko.SFTPClient, file: RemoteFile) -> bool:
    """Delete the remote file if it is still the imported one; False when gone or changed since."""
    try:
        attrs = client.stat(file.path)
    except FileNotFoundError:
        return False
    if (attrs.st_size, attrs.st_mtime) != (file.size, file.mtime):
        return False
    client.remove(file.path)
    return True
