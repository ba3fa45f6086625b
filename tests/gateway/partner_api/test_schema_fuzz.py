"""Schemathesis over the partner routes with a partner token (the admin pass is refused there): no
generated request may cause a 5xx. A message and its acknowledgement exist, so ids 1 and 2 are real."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.inbound.processing import process_exchange
from gateway.inbound.service import Received, accept
from gateway.models import Role
from gateway.onboarding.service import create_partner
from tests.gateway.edi_samples import x12_850

from .conftest import rest_partner

_DATA = Path(tempfile.mkdtemp(prefix="edigw-schemathesis-partner-"))
_SETTINGS = Settings(data_dir=_DATA, log_format="text", max_request_bytes=256 * 1024)
upgrade(_SETTINGS)
_SETTINGS.broker_folder.mkdir(parents=True, exist_ok=True)
with get_database(_SETTINGS).transaction() as _session:
    _partner = create_partner(_session, rest_partner("acme", "ACMESUPPLY", None)).id
    _, PARTNER_TOKEN = create_token(_session, "schemathesis-partner", Role.PARTNER, partner_id=_partner)
    _exchange = accept(_session, _SETTINGS, Received(_partner, "rest", x12_850(), None, "seed")).exchange_id
with get_database(_SETTINGS).transaction() as _session:
    process_exchange(_session, _SETTINGS, _exchange)

schemathesis.serializer.alias(["application/edi-x12", "application/edifact"], "application/octet-stream")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS)).include(
    path_regex="^/v1/partner/"
)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_with_a_partner_token(case: schemathesis.Case[Any]) -> None:
    case.headers["Authorization"] = f"Bearer {PARTNER_TOKEN}"
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
