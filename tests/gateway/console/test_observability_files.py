"""The Grafana dashboard and Prometheus config shipped in deploy/ (no container engine here to run them):
every gateway metric a panel queries is one the gateway exposes, and docker-compose mounts what exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import Settings

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "edigw.json"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created")


def _exposed(settings: Settings) -> set[str]:
    with TestClient(create_app(settings)) as client:
        text = client.get("/metrics").text
    return set(re.findall(r"^# TYPE (\S+) ", text, re.M))


def _base(name: str, exposed: set[str]) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in exposed:
            return name.removesuffix(suffix)
    return name


def test_every_gateway_metric_on_the_dashboard_is_exposed(migrated: Settings) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    queried = {name for expr in expressions for name in re.findall(r"\b(edigw_[a-z0-9_]+)", expr)}
    exposed = _exposed(migrated)
    assert len(queried) >= 12
    missing = {name for name in queried if _base(name, exposed) not in exposed}
    assert not missing, f"the dashboard queries metrics the gateway does not expose: {sorted(missing)}"
    assert all(p["datasource"]["uid"] == "prometheus" for p in dashboard["panels"])


def test_compose_mounts_the_shipped_files_and_prometheus_scrapes_the_api() -> None:
    for name in ("prometheus", "grafana"):
        for volume in COMPOSE["services"][name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]}
    api_port = COMPOSE["services"]["api"]["ports"][0].split(":")[-1]
    assert f"api:{api_port}" in targets
    assert "flower:5555" in targets
