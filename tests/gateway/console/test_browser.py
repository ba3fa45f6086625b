"""The console in a real headless browser (Debian's chromium driven by Selenium through chromedriver) against
the gateway served by uvicorn: sign in, find a message by PO number, open its timeline, download an evidence
bundle, and a role without an action neither sees it nor gets a forged POST through. Screenshots of every
page go to ``test-artifacts/console/`` (git-ignored) for a person to look at."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from gateway.app import create_app
from gateway.audit.evidence import verify_bundle
from gateway.db import get_database
from gateway.models import JobStatus, OutboxJob, Role
from tests.conftest import free_port, require_available
from tests.gateway.console.conftest import PO_NUMBER, DeadDelivery, Scene

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1360,1000",
)
WAIT_SECONDS = 15


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    require_available(
        chromium and driver, "chromium and chromedriver are not installed (make tools installs them)"
    )
    try:
        import selenium  # noqa: F401
    except ImportError:
        require_available(False, "the selenium package is not installed (pip install -e '.[dev]')")
    assert chromium is not None and driver is not None
    return chromium, driver


@pytest.fixture
def server(scene: Scene) -> Iterator[str]:
    """The gateway on a real HTTP server (uvicorn in a thread) on the scene's database."""
    port = free_port()
    config = uvicorn.Config(create_app(scene.settings), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(WAIT_SECONDS)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.implicitly_wait(2)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def _shot(browser: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1360, max(800, min(int(height) + 120, 4000)))
    browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def _sign_in(browser: Any, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.delete_all_cookies()
    browser.get(f"{base}/console")
    assert "/console/sign-in" in browser.current_url
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "sign-in" not in b.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Dashboard")


def _wait_for_file(folder: Path, name: str) -> Path:
    deadline = time.monotonic() + WAIT_SECONDS
    target = folder / name
    while not target.exists():
        assert time.monotonic() < deadline, f"{name} was not downloaded: {list(folder.iterdir())}"
        time.sleep(0.1)
    return target


def _forged_post(browser: Any, path: str) -> int:
    """A POST the page did not offer, sent from the signed-in browser (its cookies go along)."""
    status: int = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
        " body: 'csrf=forged'}).then(r => done(r.status), () => done(-1));",
        path,
    )
    return status


def test_auditor_finds_a_po_opens_its_timeline_and_downloads_evidence(
    scene: Scene, server: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{server}/console/messages")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in"
    _shot(browser, "00-sign-in")
    _sign_in(browser, server, scene.tokens[Role.AUDITOR])
    _shot(browser, "01-dashboard-auditor")
    browser.find_element(By.LINK_TEXT, "Messages").click()
    browser.find_element(By.ID, "po").send_keys(PO_NUMBER)
    browser.find_element(By.ID, "search").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "po=" in b.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert len(rows) == 1
    _shot(browser, "02-search-by-po")
    rows[0].find_element(By.LINK_TEXT, str(scene.exchange_id)).click()
    steps = browser.find_elements(By.CSS_SELECTOR, "#timeline li")
    assert [s.find_element(By.TAG_NAME, "b").text for s in steps] == [
        "received",
        "MDN",
        "translated",
        "997 sent",
        f"ERP delivered ({PO_NUMBER})",
    ]
    assert all("step-done" in s.get_attribute("class") for s in steps)
    _shot(browser, "03-timeline")
    browser.find_element(By.ID, "evidence").click()
    bundle = _wait_for_file(browser.downloads, f"evidence-{scene.exchange_id}.zip")
    time.sleep(0.2)
    assert verify_bundle(bundle.read_bytes()).ok
    browser.find_element(By.LINK_TEXT, PO_NUMBER).click()
    assert "BEG*00*SA*PO-1001" in browser.find_element(By.CSS_SELECTOR, "#raw-edi pre.raw").text
    _shot(browser, "04-document-auditor")
    browser.find_element(By.LINK_TEXT, "Receipts").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#receipts a.evidence")
    _shot(browser, "05-receipts")


def test_a_role_without_an_action_does_not_see_it_and_cannot_forge_it(
    scene: Scene, dead_delivery: DeadDelivery, server: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    page = f"{server}/console/messages/{dead_delivery.exchange_id}"
    _sign_in(browser, server, scene.tokens[Role.AUDITOR])
    browser.get(page)
    assert not browser.find_elements(By.CSS_SELECTOR, "a.redeliver")
    assert not browser.find_elements(By.LINK_TEXT, "Dead letters")
    _shot(browser, "06-exchange-auditor-no-actions")
    assert _forged_post(browser, f"/console/actions/redeliver/{dead_delivery.document_id}") == 403

    _sign_in(browser, server, scene.tokens[Role.OPERATOR])
    _shot(browser, "07-dashboard-operator")
    browser.get(page)
    browser.find_element(By.CSS_SELECTOR, "a.redeliver").click()
    _shot(browser, "08-confirm-redeliver")
    browser.find_element(By.ID, "confirm").click()
    assert "queued for the ERP again" in browser.find_element(By.CSS_SELECTOR, ".flash.good").text
    _shot(browser, "09-redelivered")
    with get_database(scene.settings).sessions() as session:
        status = session.scalar(
            select(OutboxJob.status).where(
                OutboxJob.task == "erp.sync_document", OutboxJob.subject_id == dead_delivery.document_id
            )
        )
    assert status is JobStatus.PENDING

    _sign_in(browser, server, scene.tokens[Role.ONBOARDING])
    assert not browser.find_elements(By.LINK_TEXT, "Messages")
    browser.get(f"{server}/console/partners/{scene.partner_id}")
    assert browser.find_element(By.ID, "send-test").is_displayed()
    _shot(browser, "10-partner-onboarding")
