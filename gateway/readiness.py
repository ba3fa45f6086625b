"""Reachability checks of the broker, shared by ``/ready`` and the CLI."""

from __future__ import annotations

import os

from gateway.config import Settings

BROKER_CHECK_TIMEOUT_SECONDS = 3.0


def check_broker(settings: Settings) -> str:
    """Return ``"ok"`` or a short reason why the broker cannot be reached."""
    if settings.broker_is_embedded:
        folder = settings.broker_folder
        if folder.is_dir() and os.access(folder, os.W_OK):
            return "ok"
        return f"embedded broker folder {folder} missing or not writable"
    from gateway.worker import celery_app

    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"
