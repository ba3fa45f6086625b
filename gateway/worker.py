"""The Celery app: reliability settings (DESIGN.md §4), one queue per area, and job-backed tasks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Celery, signals
from kombu.entity import Exchange, Queue

from gateway.broker import CONTROL
from gateway.broker import TRANSPORT as EMBEDDED_TRANSPORT
from gateway.config import AREAS, Settings, get_settings
from gateway.observability import configure_logging

log = logging.getLogger(__name__)

EMBEDDED_POLL_SECONDS = 0.01
"""How often a worker looks into the embedded broker's folder (a local directory listing: cheap)."""

TASK_MODULES = [
    "gateway.system.tasks",
    "gateway.inbound.tasks",
    "gateway.erp.tasks",
    "gateway.as2.tasks",
    "gateway.sftp.tasks",
    "gateway.outbound.tasks",
    "gateway.partner_api.tasks",
    "gateway.maintenance.tasks",
    "gateway.documents.tasks",
]


def area_of(task_name: str) -> str:
    area = task_name.split(".", 1)[0]
    if area not in AREAS:
        raise ValueError(f"task {task_name!r} is not named area.verb_object with a known area")
    return area


def celery_config(settings: Settings) -> dict[str, Any]:
    queues = [Queue(q, Exchange(q, type="direct"), routing_key=q) for q in map(settings.queue_name, AREAS)]
    conf: dict[str, Any] = {
        "broker_url": settings.resolved_broker_url,
        "broker_connection_retry_on_startup": True,
        # a worker whose broker went away keeps reconnecting however long the outage lasts (Celery's
        # default gives up after 100 attempts, about 47 minutes, and the worker exits)
        "broker_connection_retry": True,
        "broker_connection_max_retries": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_queues": queues,
        "task_default_queue": settings.queue_name("system"),
        "task_create_missing_queues": False,
        "task_time_limit": settings.outbox_stale_after_seconds,
        "task_soft_time_limit": settings.outbox_stale_after_seconds * 0.9,
        "worker_hijack_root_logger": False,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "broker_transport_options": {"confirm_publish": True},
    }
    if settings.broker_is_embedded:
        folder = str(settings.broker_folder)
        conf["broker_transport"] = EMBEDDED_TRANSPORT  # message files appear whole
        conf["broker_transport_options"] = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": str(settings.broker_folder / CONTROL),
            "store_processed": False,
            "polling_interval": EMBEDDED_POLL_SECONDS,
        }
        conf["worker_enable_remote_control"] = False
    return conf


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    app = Celery("edigw", include=TASK_MODULES)
    app.conf.update(celery_config(settings))
    return app


celery_app = create_celery()


@signals.setup_logging.connect
def _setup_logging(**_kwargs: Any) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


def job_task(name: str) -> Callable[[Any], Any]:
    """Register a thin Celery task ``name`` that runs one outbox job by id through ``gateway.outbox``.

    Decorates a handler ``(session, job) -> None`` (all work in one transaction) or wraps an
    ``IoHandler`` (work that waits on the outside world with no transaction open).
    """
    area_of(name)

    def register(handler: Any) -> Any:
        from gateway.outbox import run_job

        def task(job_id: int) -> None:
            run_job(get_settings(), job_id, handler)

        task.__name__ = getattr(handler, "__name__", name.replace(".", "_"))
        task.__doc__ = handler.__doc__
        celery_app.task(name=name, acks_late=True, reject_on_worker_lost=True)(task)
        return handler

    return register
