"""Schemathesis over the whole OpenAPI schema, as an admin: no generated request may cause a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import Role

_DATA = Path(tempfile.mkdtemp(prefix="edigw-schemathesis-"))
_SETTINGS = Settings(data_dir=_DATA, log_format="text")
upgrade(_SETTINGS)
_SETTINGS.broker_folder.mkdir(parents=True, exist_ok=True)
with get_database(_SETTINGS).transaction() as _session:
    _, ADMIN_TOKEN = create_token(_session, "schemathesis", Role.ADMIN)

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS))


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
