"""The ``edigw sftp-server`` process: the embedded server (unless ``--no-listen``), the inbox watcher
and the pull scheduler, each a thread, all stopped by one event."""

from __future__ import annotations

import logging
import threading
import time
from typing import Final

from gateway.config import Settings
from gateway.db import get_database
from gateway.sftp.server import run_server
from gateway.sftp.transfer import enqueue_due_pulls
from gateway.sftp.watcher import InboxWatcher

log = logging.getLogger(__name__)

SCHEDULE_EVERY_SECONDS: Final = 10.0
JOIN_SECONDS: Final = 10.0


def schedule_pulls(settings: Settings, stop: threading.Event) -> None:
    """Every few seconds, queue the pulls whose poll interval has come round (dedup per time slot)."""
    db = get_database(settings)
    while not stop.is_set():
        try:
            with db.transaction() as session:
                queued = enqueue_due_pulls(session, settings, time.time())
            if queued:
                log.info("SFTP pulls queued", extra={"jobs": queued})
        except Exception:
            log.exception("SFTP pull scheduling failed; retrying")
        stop.wait(SCHEDULE_EVERY_SECONDS)


def run_sftp(settings: Settings, stop: threading.Event, listen: bool) -> None:
    """Run until ``stop`` is set; binding the port happens first so a taken port fails at once."""
    settings.resolved_sftp_root.mkdir(parents=True, exist_ok=True)
    watcher = InboxWatcher(settings)
    threads = [threading.Thread(target=schedule_pulls, args=(settings, stop), name="sftp-pulls")]
    if listen:
        threads.append(threading.Thread(target=run_server(settings, stop, watcher), name="sftp-server"))
    for thread in threads:
        thread.start()
    try:
        watcher.run(stop)
    finally:
        stop.set()
        for thread in threads:
            thread.join(JOIN_SECONDS)
