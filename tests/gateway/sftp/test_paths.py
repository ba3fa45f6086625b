"""Path confinement of the embedded server's filesystem, without a network."""

from __future__ import annotations

from pathlib import Path

import pytest
from paramiko.sftp import SFTP_NO_SUCH_FILE, SFTP_PERMISSION_DENIED

from gateway.config import Settings
from gateway.sftp.filesystem import RefusedError, resolve
from gateway.sftp.layout import ensure_partner_dirs, is_document_name


@pytest.fixture
def root(settings: Settings) -> Path:
    return ensure_partner_dirs(settings, "acme")


@pytest.mark.parametrize(
    ("path", "folder", "name"),
    [
        ("/", None, None),
        ("", None, None),
        (".", None, None),
        ("/inbox", "inbox", None),
        ("inbox/po.edi", "inbox", "po.edi"),
        ("/../../inbox/po.edi", "inbox", "po.edi"),
        ("//outbox/./ack.edi", "outbox", "ack.edi"),
        ("/inbox/../archive/x.edi", "archive", "x.edi"),
    ],
)
def test_paths_resolve_inside_the_partner_folder(
    root: Path, path: str, folder: str | None, name: str | None
) -> None:
    target = resolve(root, path)
    assert (target.folder, target.name) == (folder, name)
    assert target.real == root / (folder or "") / (name or "") or target.real == root


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/etc/passwd", SFTP_NO_SUCH_FILE),
        ("../../../etc/passwd", SFTP_NO_SUCH_FILE),
        ("/inbox/sub/x.edi", SFTP_PERMISSION_DENIED),
        ("/inbox/x\x00.edi", SFTP_PERMISSION_DENIED),
        ("/inbox/" + "x" * 300, SFTP_PERMISSION_DENIED),
    ],
)
def test_paths_outside_are_refused(root: Path, path: str, status: int) -> None:
    with pytest.raises(RefusedError) as refused:
        resolve(root, path)
    assert refused.value.status == status


def test_a_folder_replaced_by_a_symlink_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "outbox").rmdir()
    (root / "outbox").symlink_to(tmp_path)
    with pytest.raises(RefusedError):
        resolve(root, "/outbox/x.edi")


@pytest.mark.parametrize(
    ("name", "taken"),
    [("po.edi", True), ("PO_1.x12", True), (".hidden", False), ("po.part", False), ("po.edi.error", False)],
)
def test_which_inbox_names_are_documents(name: str, taken: bool) -> None:
    assert is_document_name(name) is taken
