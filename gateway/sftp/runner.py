"""The ``edigw sftp-server`` process: the embedded server (unless ``--no-listen``) and the inbox watcher,
stopped by one event. Scheduled pulls are not here: the relay's periodic ``sftp.schedule_pulls`` queues
them."""

from __future__ import annotations

import threading
from typing import Final

from gateway.config import Settings
from gateway.sftp.server import run_server
from gateway.sftp.watcher import InboxWatcher

JOIN_SECONDS: Final = 10.0


def run_sftp(settings: Settings, stop: threading.Event, listen: bool) -> None:
    """Run until ``stop`` is set; binding the port happens first so a taken port fails at once."""
    settings.resolved_sftp_root.mkdir(parents=True, exist_ok=True)
    watcher = InboxWatcher(settings)
    server = (
        threading.Thread(target=run_server(settings, stop, watcher), name="sftp-server") if listen else None
    )
    if server is not None:
        server.start()
    try:
        watcher.run(stop)
    finally:
        stop.set()
        if server is not None:
            server.join(JOIN_SECONDS)
