"""ORM models (SQLAlchemy 2, typed). Importing this package registers every table on ``Base.metadata``."""

from gateway.models.archive import ArchiveHead, ArchiveRecord
from gateway.models.auth import ApiToken, AuditEvent, Role
from gateway.models.base import Base
from gateway.models.certificate import Certificate, Station
from gateway.models.exchange import (
    ControlCounter,
    Direction,
    Document,
    ErpDelivery,
    Exchange,
    ExchangeStatus,
    SeenControlRef,
)
from gateway.models.outbox import JobStatus, OutboxJob
from gateway.models.partner import Partner, PartnerIdentityKey
from gateway.models.reconciliation import Reconciliation, ReconciliationStatus
from gateway.models.system import SystemPing

__all__ = [
    "ApiToken",
    "ArchiveHead",
    "ArchiveRecord",
    "AuditEvent",
    "Base",
    "Certificate",
    "ControlCounter",
    "Direction",
    "Document",
    "ErpDelivery",
    "Exchange",
    "ExchangeStatus",
    "JobStatus",
    "OutboxJob",
    "Partner",
    "PartnerIdentityKey",
    "Reconciliation",
    "ReconciliationStatus",
    "Role",
    "SeenControlRef",
    "Station",
    "SystemPing",
]
