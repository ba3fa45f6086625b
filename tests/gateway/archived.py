"""Reading archived content in tests, whether it is kept in the database or as a file."""

from __future__ import annotations

from gateway.archive.blobs import get_blob
from gateway.config import Settings
from gateway.db import get_database


def archived(settings: Settings, sha256: str) -> bytes:
    with get_database(settings).sessions() as session:
        return get_blob(session, settings.resolved_archive_dir, sha256)
