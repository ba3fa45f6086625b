"""The inbox watcher on plain folders, with the real database and the real accept(): the completeness
rule (clock passed in), temp names, ``.error`` notes, and crashes before and after the commit."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import get_database
from gateway.errors import InvalidInputError
from gateway.inbound.service import AcceptResult, Received, accept
from gateway.models import OutboxJob
from gateway.models.exchange import Exchange
from gateway.sftp import layout
from gateway.sftp.layout import ensure_partner_dirs
from gateway.sftp.watcher import InboxWatcher
from tests.gateway.sftp.conftest import SETTLE_SECONDS
from tests.gateway.sftp.helpers import add_partner, sftp_profile
from tests.partners.factories import ed25519_line

T0 = 1_000_000.0
DOCUMENT = b"ISA*00*          *00*          *ZZ*ACME~"


@pytest.fixture
def acme(sftp_settings: Settings) -> Path:
    add_partner(sftp_settings, sftp_profile("acme", inbound_keys=[ed25519_line()]))
    return ensure_partner_dirs(sftp_settings, "acme")


def _exchanges(settings: Settings) -> list[Exchange]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(Exchange).order_by(Exchange.id)))


def _drop(inbox: Path, name: str, content: bytes = DOCUMENT, mtime: float = T0) -> Path:
    path = inbox / name
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def test_a_file_is_taken_once_size_and_mtime_stayed_put_for_the_settle_time(
    sftp_settings: Settings, acme: Path
) -> None:
    watcher = InboxWatcher(sftp_settings)
    path = _drop(acme / "inbox", "po1.edi", DOCUMENT[:10])
    assert watcher.scan(T0) == []
    path.write_bytes(DOCUMENT)  # still being written: the signature changes, the clock restarts
    os.utime(path, (T0 + 3, T0 + 3))
    assert watcher.scan(T0 + 1) == []
    assert watcher.scan(T0 + SETTLE_SECONDS) == [], "stable since T0 + 1 only"
    assert path.exists()
    taken = watcher.scan(T0 + 1 + SETTLE_SECONDS)
    assert [t.path.name for t in taken] == ["po1.edi"]
    assert not path.exists()
    assert (acme / "archive" / "po1.edi").read_bytes() == DOCUMENT
    [exchange] = _exchanges(sftp_settings)
    assert exchange.transport == "sftp"
    assert exchange.message_id == f"sftp:{hashlib.sha256(DOCUMENT).hexdigest()}:po1.edi"
    assert exchange.meta["remote_path"] == "/inbox/po1.edi"
    assert exchange.meta["size"] == len(DOCUMENT)


def test_an_upload_open_in_the_server_waits_and_a_closed_one_goes_at_once(
    sftp_settings: Settings, acme: Path
) -> None:
    watcher = InboxWatcher(sftp_settings)
    path = _drop(acme / "inbox", "po2.edi")
    watcher.opened(path)
    assert watcher.scan(T0) == []
    assert watcher.scan(T0 + 10 * SETTLE_SECONDS) == [], "never taken while the upload is open"
    watcher.closed(path)
    assert [t.path.name for t in watcher.scan(T0 + 10 * SETTLE_SECONDS)] == ["po2.edi"]
    assert len(_exchanges(sftp_settings)) == 1


def test_temp_names_dotfiles_and_notes_are_never_taken(sftp_settings: Settings, acme: Path) -> None:
    watcher = InboxWatcher(sftp_settings)
    names = ["po.edi.part", ".po.edi", "po.edi.filepart", "po.edi.TMP", "old.edi.error"]
    for name in names:
        _drop(acme / "inbox", name)
    watcher.scan(T0)
    assert watcher.scan(T0 + 100) == []
    assert sorted(p.name for p in (acme / "inbox").iterdir()) == sorted(names)
    assert _exchanges(sftp_settings) == []


def test_a_file_that_cannot_be_taken_gets_a_readable_note_and_stays(
    sftp_settings: Settings, acme: Path
) -> None:
    small = sftp_settings.model_copy(update={"sftp_max_file_bytes": 8, "sftp_settle_seconds": 0.0})
    watcher = InboxWatcher(small)
    path = _drop(acme / "inbox", "big.edi")
    [taken] = watcher.scan(T0)
    note = (acme / "inbox" / "big.edi.error").read_text()
    assert taken.error == note
    assert "file: big.edi" in note
    assert "sftp_file_too_large" in note
    assert f"{len(DOCUMENT)} bytes" in note
    assert path.exists() and not list((acme / "archive").iterdir())
    assert watcher.scan(T0 + 1) == [], "a noted file waits for a re-upload"
    _drop(
        acme / "inbox", "big.edi", DOCUMENT[:8], mtime=os.stat(path.with_name("big.edi.error")).st_mtime + 5
    )
    [retaken] = watcher.scan(T0 + 2)
    assert retaken.result is not None and not retaken.result.duplicate
    assert not (acme / "inbox" / "big.edi.error").exists(), "the note goes when the file is taken"


def test_a_folder_without_an_enabled_partner_gets_a_note(sftp_settings: Settings) -> None:
    inbox = ensure_partner_dirs(sftp_settings, "nobody") / "inbox"
    _drop(inbox, "po.edi")
    watcher = InboxWatcher(sftp_settings.model_copy(update={"sftp_settle_seconds": 0.0}))
    watcher.scan(T0)
    assert "no enabled partner has the code 'nobody'" in (inbox / "po.edi.error").read_text()
    assert (inbox / "po.edi").exists()


def test_the_note_carries_the_located_error_of_accept(sftp_settings: Settings, acme: Path) -> None:
    def refusing(session: Session, settings: Settings, received: Received) -> AcceptResult:
        raise InvalidInputError("segment count does not match", location="SE01 at segment 12")

    _drop(acme / "inbox", "po.edi")
    InboxWatcher(sftp_settings.model_copy(update={"sftp_settle_seconds": 0.0}), refusing).scan(T0)
    note = (acme / "inbox" / "po.edi.error").read_text()
    assert "error: invalid_input: segment count does not match" in note
    assert "location: SE01 at segment 12" in note


def test_a_crash_before_commit_leaves_the_file_for_the_next_process(
    sftp_settings: Settings, acme: Path
) -> None:
    settings = sftp_settings.model_copy(update={"sftp_settle_seconds": 0.0})

    def crash_inside_transaction(session: Session, settings: Settings, received: Received) -> AcceptResult:
        accept(session, settings, received)
        session.flush()
        raise SystemExit("killed before commit")

    _drop(acme / "inbox", "po.edi")
    with pytest.raises(SystemExit):
        InboxWatcher(settings, crash_inside_transaction).scan(T0)
    assert (acme / "inbox" / "po.edi").exists()
    assert not (acme / "inbox" / "po.edi.error").exists()
    assert _exchanges(settings) == [], "the transaction rolled back"

    [taken] = InboxWatcher(settings).scan(T0 + 1)
    assert taken.result is not None and not taken.result.duplicate
    assert len(_exchanges(settings)) == 1
    with get_database(settings).sessions() as session:
        jobs = list(session.scalars(select(OutboxJob.task)))
    assert jobs == ["inbound.process_exchange"]


def test_a_crash_after_commit_retakes_the_file_as_a_duplicate(
    sftp_settings: Settings, acme: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sftp_settings.model_copy(update={"sftp_settle_seconds": 0.0})
    _drop(acme / "inbox", "po.edi")

    def crash(_path: Path) -> Path:
        raise SystemExit("killed between commit and move")

    with monkeypatch.context() as patch:
        patch.setattr("gateway.sftp.service.move_to_archive", crash)
        with pytest.raises(SystemExit):
            InboxWatcher(settings).scan(T0)
    assert (acme / "inbox" / "po.edi").exists()
    [exchange] = _exchanges(settings)

    [taken] = InboxWatcher(settings).scan(T0 + 1)
    assert taken.result is not None
    assert taken.result.duplicate and taken.result.exchange_id == exchange.id
    assert (acme / "archive" / "po.edi").exists() and not (acme / "inbox" / "po.edi").exists()
    [again] = _exchanges(settings)
    assert again.duplicate_count == 1


def test_a_second_file_of_the_same_name_is_archived_beside_the_first(
    sftp_settings: Settings, acme: Path
) -> None:
    settings = sftp_settings.model_copy(update={"sftp_settle_seconds": 0.0})
    watcher = InboxWatcher(settings)
    _drop(acme / "inbox", "po.edi", b"first")
    watcher.scan(T0)
    _drop(acme / "inbox", "po.edi", b"second")
    watcher.scan(T0 + 1)
    archived = sorted((acme / "archive").iterdir())
    assert [p.read_bytes() for p in archived] == [b"first", b"second"]
    assert len(_exchanges(settings)) == 2
    assert layout.is_document_name("po.edi")
