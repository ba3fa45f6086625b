"""The embedded broker (``make run``, ``edigw serve``): kombu's filesystem transport, with message files
that appear whole.

kombu writes a message straight to its final name (``<time>_<uuid>.<queue>.msg``) and a consumer takes
any file of that name by moving it away, without the writer's lock: under load a worker can take a file
that is created but not written yet, fail to decode the empty message, and stop (Celery treats it as an
unrecoverable error; ``edigw serve`` then stops the whole gateway). Here a message is written under a name
no consumer reads and renamed into place, so a consumer sees either nothing or the whole message. The
outbox stays the truth; broker messages are wake-up calls and need no flush.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils import json as kombu_json

from gateway.config import Settings

TRANSPORT = "gateway.broker:Transport"  # for Celery's ``broker_transport``
CONTROL = "control"  # the sub-folder of the exchange table
_dumps = cast(Callable[[Any], str], kombu_json.dumps)  # kombu's encoder, as its own transport uses


def make_folders(settings: Settings) -> None:
    """The embedded broker's folders (none for a server broker), for a process that reports the broker
    ready before anything has used it."""
    if settings.broker_is_embedded:
        (settings.broker_folder / CONTROL).mkdir(parents=True, exist_ok=True)


class Channel(filesystem.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]  # kombu is untyped
        # made when a connection opens a channel, not when the Celery app is configured (importing the
        # worker module creates no folder)
        for folder in (self.data_folder_in, self.data_folder_out, self.control_folder):
            os.makedirs(folder, exist_ok=True)

    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]  # as kombu's filesystem channel
        """Put ``payload`` onto ``queue``: written aside, then renamed to the name consumers look for."""
        folder = self.data_folder_out
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        partial = os.path.join(folder, f".incoming-{uuid.uuid4()}")  # no queue's name: never consumed
        try:
            with open(partial, "wb") as out:
                out.write(_dumps(payload).encode())
            os.replace(partial, os.path.join(folder, name))
        except OSError as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
