"""The archive chain: append, verify, and every kind of tampering reported at the first broken link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from gateway.archive import blobs
from gateway.archive.blobs import INLINE_MAX_BYTES, blob_path, get_blob, put_blobs
from gateway.archive.chain import Item, append, append_many, verify
from gateway.cli import app
from gateway.config import Settings, get_settings
from gateway.db import get_database


def _fill(settings: Settings, n: int = 5) -> list[str]:
    hashes = []
    with get_database(settings).transaction() as session:
        for i in range(n):
            record = append(
                session,
                settings.resolved_archive_dir,
                "as2-message-in",
                f"ISA*00*message {i}~".encode(),
                meta={"message_id": f"<m{i}@partner>", "headers": {"AS2-From": "ACME"}},
                subject_type="exchange",
                subject_id=i,
            )
            hashes.append(record.record_hash)
    return hashes


@pytest.fixture
def as_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every content is archived as a file, as large ones are (and every one was before 0011)."""
    monkeypatch.setattr(blobs, "INLINE_MAX_BYTES", 0)


def _digest_of(settings: Settings, seq: int) -> str:
    with get_database(settings).sessions() as session:
        return str(
            session.execute(
                text("SELECT content_sha256 FROM archive_record WHERE seq = :seq"), {"seq": seq}
            ).scalar_one()
        )


def _files(settings: Settings) -> list[Path]:
    return [p for p in Path(settings.resolved_archive_dir, "blobs").rglob("*") if p.is_file()]


def _verify(settings: Settings) -> tuple[int, int | None, str]:
    with get_database(settings).sessions() as session:
        report = verify(session, settings.resolved_archive_dir)
    return (
        report.records,
        report.broken.seq if report.broken else None,
        report.broken.reason if report.broken else "",
    )


def test_appended_records_chain_and_verify(migrated: Settings) -> None:
    hashes = _fill(migrated)
    assert len(set(hashes)) == 5
    assert _verify(migrated) == (5, None, "")
    with get_database(migrated).sessions() as session:
        first = session.execute(text("SELECT content_sha256 FROM archive_record WHERE seq = 1")).scalar_one()
        assert get_blob(session, migrated.resolved_archive_dir, first) == b"ISA*00*message 0~"
        kept = session.execute(text("SELECT count(*) FROM archive_blob")).scalar_one()
    assert kept == 5
    assert _files(migrated) == []  # small contents commit with their records, no file per artefact


def test_contents_above_the_inline_limit_are_files(migrated: Settings) -> None:
    small, large = b"s" * INLINE_MAX_BYTES, b"L" * (INLINE_MAX_BYTES + 1)
    with get_database(migrated).transaction() as session:
        kept = [append(session, migrated.resolved_archive_dir, "as2-message-in", c) for c in (small, large)]
    assert [p.name for p in _files(migrated)] == [kept[1].content_sha256]
    with get_database(migrated).sessions() as session:
        rows = session.execute(text("SELECT sha256 FROM archive_blob")).scalars().all()
        assert rows == [kept[0].content_sha256]
        assert [get_blob(session, migrated.resolved_archive_dir, r.content_sha256) for r in kept] == [
            small,
            large,
        ]
    assert _verify(migrated) == (2, None, "")


def test_a_content_that_is_nowhere_is_a_located_error(migrated: Settings) -> None:
    with get_database(migrated).sessions() as session, pytest.raises(blobs.BlobMissingError, match="0" * 64):
        get_blob(session, migrated.resolved_archive_dir, "0" * 64)


def test_same_content_twice_is_stored_once_but_recorded_twice(migrated: Settings) -> None:
    with get_database(migrated).transaction() as session:
        a = append(session, migrated.resolved_archive_dir, "mdn-out", b"same bytes")
        b = append(session, migrated.resolved_archive_dir, "mdn-out", b"same bytes")
    assert a.content_sha256 == b.content_sha256
    assert a.record_hash != b.record_hash
    assert _verify(migrated)[0] == 2


@pytest.mark.usefixtures("as_files")
def test_altered_blob_file_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    path = blob_path(migrated.resolved_archive_dir, _digest_of(migrated, 3))
    os.chmod(path, 0o640)
    path.write_bytes(b"ISA*00*forged~")
    assert _verify(migrated) == (2, 3, "archived content does not match its hash (altered file)")


@pytest.mark.usefixtures("as_files")
def test_missing_blob_file_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    blob_path(migrated.resolved_archive_dir, _digest_of(migrated, 4)).unlink()
    assert _verify(migrated)[1:] == (4, "archived content is missing")


def test_altered_blob_row_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    digest = _digest_of(migrated, 3)
    _as_attacker(
        migrated, f"UPDATE archive_blob SET content = X'00' WHERE sha256 = '{digest}'", "archive_blob"
    )
    assert _verify(migrated) == (2, 3, "archived content does not match its hash (altered row)")


def test_missing_blob_row_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    digest = _digest_of(migrated, 4)
    _as_attacker(migrated, f"DELETE FROM archive_blob WHERE sha256 = '{digest}'", "archive_blob")
    assert _verify(migrated)[1:] == (4, "archived content is missing")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE archive_record SET kind = 'x' WHERE seq = 1",
        "DELETE FROM archive_record",
        "UPDATE archive_blob SET content = X'00'",
        "DELETE FROM archive_blob",
    ],
)
def test_database_refuses_update_and_delete(migrated: Settings, statement: str) -> None:
    _fill(migrated, 2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        get_database(migrated).transaction() as session,
    ):
        session.execute(text(statement))


def _as_attacker(settings: Settings, statement: str, table: str = "archive_record") -> None:
    """Someone with database admin rights drops the guard triggers first."""
    with get_database(settings).transaction() as session:
        session.execute(text(f"DROP TRIGGER {table}_no_update"))
        session.execute(text(f"DROP TRIGGER {table}_no_delete"))
        session.execute(text(statement))


def test_altered_record_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    _as_attacker(migrated, 'UPDATE archive_record SET meta = \'{"message_id": "<forged>"}\' WHERE seq = 2')
    assert _verify(migrated) == (1, 2, "record fields do not match its hash (altered record)")


def test_removed_record_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    _as_attacker(migrated, "DELETE FROM archive_record WHERE seq = 3")
    assert _verify(migrated)[1:] == (4, "expected record 3 here, found 4 (a record was removed)")


def test_truncated_chain_is_reported(migrated: Settings) -> None:
    _fill(migrated)
    _as_attacker(migrated, "DELETE FROM archive_record WHERE seq = 5")
    assert _verify(migrated)[1:] == (5, "chain ends before the recorded head (truncated)")


def test_cli_reports_the_first_broken_link(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(migrated)
    monkeypatch.setenv("EDIGW_DATA_DIR", str(migrated.data_dir))
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["archive", "verify"])
        assert ok.exit_code == 0
        assert "intact: 5 records" in ok.output
        _as_attacker(migrated, "UPDATE archive_record SET content_size = 1 WHERE seq = 2")
        broken = CliRunner().invoke(app, ["archive", "verify"])
        assert broken.exit_code == 1
        assert "BROKEN at record 2" in broken.output
    finally:
        get_settings.cache_clear()


@pytest.mark.usefixtures("as_files")
def test_blob_files_are_read_only(migrated: Settings) -> None:
    _fill(migrated, 1)
    files = _files(migrated)
    assert files
    assert all(p.stat().st_mode & 0o222 == 0 for p in files)


@pytest.mark.usefixtures("as_files")
def test_blobs_of_the_earlier_two_level_layout_are_still_found(migrated: Settings) -> None:
    """Archives written before the one-level layout keep working: read, verified, never stored twice."""
    root = migrated.resolved_archive_dir
    _fill(migrated, 3)
    digest = _digest_of(migrated, 2)
    one_level = blob_path(root, digest)
    assert one_level == root / "blobs" / digest[:2] / digest
    two_level = root / "blobs" / digest[:2] / digest[2:4] / digest
    two_level.parent.mkdir()
    one_level.rename(two_level)
    assert blob_path(root, digest) == two_level
    with get_database(migrated).sessions() as session:
        assert get_blob(session, root, digest) == b"ISA*00*message 1~"
    assert _verify(migrated)[1] is None
    assert put_blobs(root, [b"ISA*00*message 1~"]) == [digest]
    assert not one_level.exists()


def test_a_blob_left_partial_by_a_power_loss_is_replaced(tmp_path: Path) -> None:
    """A blob is renamed into place before the flush that makes it durable: after a power loss its path
    may hold partial content (no record points to it yet). Storing that content again repairs it."""
    content = b"ISA*00*" + b"x" * 4000 + b"~"
    digest = put_blobs(tmp_path, [content])[0]
    path = blob_path(tmp_path, digest)
    path.chmod(0o640)
    path.write_bytes(content[:1000])  # what a crash between rename and flush can leave
    assert put_blobs(tmp_path, [content]) == [digest]
    assert path.read_bytes() == content
    path.chmod(0o640)
    path.write_bytes(b"\0" * len(content))  # right size, wrong bytes
    put_blobs(tmp_path, [content])
    assert path.read_bytes() == content
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".incoming-")]


@pytest.mark.parametrize("whole_filesystem", [False, True])
def test_one_shared_flush_covers_the_contents_and_the_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole_filesystem: bool
) -> None:
    """New blobs are renamed before the flush, so one flush covers their contents and directory
    entries: each file and folder (fsync), or the files standing for their folders (syncfs). A blob
    already in place is flushed again (it may be another caller's, not yet durable)."""
    flushed: list[set[int]] = []  # the inodes each flush covered
    real = blobs.FLUSHER.flush

    def spy(fds: list[int]) -> None:
        flushed.append({os.fstat(fd).st_ino for fd in fds})
        real(fds)

    monkeypatch.setattr(blobs.FLUSHER, "flush", spy)
    monkeypatch.setattr(blobs, "WHOLE_FILESYSTEM", whole_filesystem)
    digests = put_blobs(tmp_path, [b"one", b"two", b"three", b"one"])
    paths = [blob_path(tmp_path, d) for d in digests]
    files = {p.stat().st_ino for p in paths}
    folders = {p.parent.stat().st_ino for p in paths}
    assert len(flushed) == 1
    if whole_filesystem:
        assert flushed[0] == files  # no folder opened
    else:
        assert files | folders <= flushed[0]
    flushed.clear()
    put_blobs(tmp_path, [b"two"])
    assert flushed == [{paths[1].parent.stat().st_ino}]  # nothing written, the folder flushed again


def test_a_blob_folder_removed_behind_the_process_is_made_again(tmp_path: Path) -> None:
    import shutil

    put_blobs(tmp_path, [b"first"])
    shutil.rmtree(tmp_path / "blobs")
    digest = put_blobs(tmp_path, [b"first"])[0]
    assert blob_path(tmp_path, digest).read_bytes() == b"first"


def test_a_record_whose_content_was_not_prepared_is_refused(migrated: Settings) -> None:
    """Contents prepared outside the transaction must cover every item: a record of a content that was
    not prepared would point to nothing archived."""
    root = migrated.resolved_archive_dir
    prepared = blobs.prepare(root, [b"ISA*00*prepared~"])
    with pytest.raises(KeyError), get_database(migrated).transaction() as session:
        append_many(session, root, [Item("as2-message-in", b"ISA*00*not prepared~")], prepared=prepared)
    assert _verify(migrated) == (0, None, "")
