"""The embedded broker's message files appear whole: a consumer racing the writer never reads a partial
message (kombu's own filesystem transport writes to the final name, and a worker that took an empty file
stopped with an unrecoverable error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from kombu.connection import Connection

from gateway.broker import TRANSPORT, Transport
from gateway.config import Settings
from gateway.worker import celery_config

MESSAGES = 300


def _connection(root: Path) -> tuple[Connection, Path]:
    """A connection whose messages go to ``root/messages`` (returned) and whose exchange table goes to
    ``root/control`` (kombu's default is ./control)."""
    messages = root / "messages"
    messages.mkdir()
    options = {
        "data_folder_in": str(messages),
        "data_folder_out": str(messages),
        "control_folder": str(root / "control"),
        "store_processed": False,
    }
    connection = Connection(  # type: ignore[no-untyped-call]
        "filesystem://localhost/", transport=TRANSPORT, transport_options=options
    )
    return connection, messages


def test_the_embedded_broker_uses_the_whole_file_transport(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.broker_is_embedded
    assert celery_config(settings)["broker_transport"] == TRANSPORT
    conn, _ = _connection(tmp_path)
    with conn:
        assert isinstance(conn.transport, Transport)


def test_a_consumer_racing_the_writer_only_ever_sees_whole_messages(tmp_path: Path) -> None:
    conn, folder = _connection(tmp_path)
    done = threading.Event()
    read: list[bytes] = []

    def consume() -> None:
        while not done.is_set() or any(folder.glob("*.msg")):
            for path in sorted(folder.glob("*.msg")):
                try:
                    read.append(path.read_bytes())
                    path.unlink()
                except FileNotFoundError:
                    continue

    consumer = threading.Thread(target=consume)
    consumer.start()
    with conn:
        channel = conn.default_channel
        for n in range(MESSAGES):
            channel._put("q", {"body": "x" * 2000, "n": n})  # type: ignore[no-untyped-call]
    done.set()
    consumer.join(30)
    assert sorted(json.loads(raw)["n"] for raw in read) == list(range(MESSAGES))
    assert list(folder.iterdir()) == []  # nothing left aside


def test_messages_round_trip_through_the_transport(tmp_path: Path) -> None:
    conn, _ = _connection(tmp_path)
    with conn:
        queue = conn.SimpleQueue("q")  # type: ignore[no-untyped-call]
        queue.put({"job": 7})
        message = queue.get(timeout=5)
        assert message.payload == {"job": 7}
        message.ack()
        queue.close()


def test_importing_the_worker_creates_no_folder(tmp_path: Path) -> None:
    """Configuring the Celery app touches no file; the broker's folders are made when it is used."""
    env = {**os.environ, "EDIGW_DATA_DIR": str(tmp_path / "var")}
    subprocess.run([sys.executable, "-c", "import gateway.worker"], cwd=tmp_path, env=env, check=True)
    assert list(tmp_path.iterdir()) == []


def test_opening_a_channel_makes_the_broker_folders(tmp_path: Path) -> None:
    broker = tmp_path / "var" / "broker"
    options = celery_config(Settings(data_dir=tmp_path / "var"))["broker_transport_options"]
    with Connection("filesystem://localhost/", transport=TRANSPORT, transport_options=options) as conn:  # type: ignore[no-untyped-call]
        conn.default_channel.basic_publish(conn.default_channel.prepare_message("wake up"), "", "q")
    assert broker.is_dir() and (broker / "control").is_dir()
    assert len(list(broker.glob("*.q.msg"))) == 1
