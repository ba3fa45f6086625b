"""The console over HTTP: sign-in and its cookie, CSRF, every page against the role its API route allows,
and what each page shows for a purchase order that went the whole way."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import select

from gateway.audit.evidence import verify_bundle
from gateway.console.session import CSRF_COOKIE, TOKEN_COOKIE
from gateway.db import get_database
from gateway.models import AuditEvent, Exchange, ExchangeStatus, JobStatus, OutboxJob, Role
from gateway.models.base import utcnow
from gateway.outbound.service import mark_failed
from tests.gateway.console.conftest import (
    PO_NUMBER,
    DeadDelivery,
    Scene,
    csrf,
    erp_job_status,
    run_erp_job,
    sign_in,
)

STAFF = [Role.ADMIN, Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR]


def _actions(scene: Scene) -> list[str]:
    with get_database(scene.settings).sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_sign_in_keeps_the_token_in_a_strict_httponly_cookie(scene: Scene) -> None:
    client = scene.client
    page = client.get("/console/sign-in")
    assert page.status_code == 200
    assert 'name="csrf"' in page.text
    response = client.post(
        "/console/sign-in",
        data={"token": scene.tokens[Role.OPERATOR], "csrf": csrf(client), "next": "/console/messages"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/messages"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(TOKEN_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; https sets Secure
    assert client.get("/console").status_code == 200
    assert "console.sign_in" in _actions(scene)


def test_a_wrong_token_or_a_partner_token_is_refused(scene: Scene) -> None:
    client = scene.client
    client.get("/console/sign-in")
    wrong = client.post("/console/sign-in", data={"token": "edigw_nope", "csrf": csrf(client)})
    assert wrong.status_code == 401
    assert "unknown API token" in wrong.text
    partner = client.post(
        "/console/sign-in", data={"token": scene.tokens[Role.PARTNER], "csrf": csrf(client)}
    )
    assert partner.status_code == 403
    assert TOKEN_COOKIE not in client.cookies


def test_pages_send_a_browser_without_a_token_to_sign_in(scene: Scene) -> None:
    response = scene.client.get("/console/messages?po=PO-1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fmessages%3Fpo%3DPO-1"


def test_sign_in_never_sends_the_browser_to_another_site(scene: Scene) -> None:
    client = scene.client
    client.get("/console/sign-in")
    for target in ("https://evil.example/", "//evil.example/console", "/console\\@evil"):
        response = client.post(
            "/console/sign-in",
            data={"token": scene.tokens[Role.AUDITOR], "csrf": csrf(client), "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/console"


def test_a_revoked_token_ends_the_console_session(scene: Scene) -> None:
    from gateway.auth.service import authenticate, revoke_token

    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    with get_database(scene.settings).transaction() as session:
        revoke_token(session, authenticate(session, scene.tokens[Role.OPERATOR]).token_id)
    response = scene.client.get("/console/messages", follow_redirects=False)
    assert response.status_code == 303


def test_forms_without_the_csrf_token_or_from_another_origin_are_refused(scene: Scene) -> None:
    client = scene.client
    sign_in(client, scene.tokens[Role.OPERATOR])
    assert client.post("/console/sign-out", data={}).status_code == 403
    assert client.post("/console/sign-out", data={"csrf": "guess"}).status_code == 403
    foreign = client.post(
        "/console/sign-out", data={"csrf": csrf(client)}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    out = client.post("/console/sign-out", data={"csrf": csrf(client)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_pages_carry_security_headers(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    response = scene.client.get("/console")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    css = scene.client.get("/console/static/console.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def _pairs(scene: Scene) -> list[tuple[str, str]]:
    """Each console page beside the API route whose role check it mirrors."""
    ex, doc, pid = scene.exchange_id, scene.document_id, scene.partner_id
    return [
        ("/console/messages", "/v1/exchanges"),
        (f"/console/messages/{ex}", f"/v1/exchanges/{ex}"),
        (f"/console/messages/{ex}/evidence", f"/v1/exchanges/{ex}/evidence"),
        ("/console/archive/1", "/v1/archive/records/1/content"),
        ("/console/receipts", f"/v1/exchanges/{ex}/evidence"),
        (f"/console/documents/{doc}", f"/v1/documents/{doc}"),
        ("/console/partners", "/v1/admin/partners"),
        (f"/console/partners/{pid}", f"/v1/admin/partners/{pid}"),
        ("/console/jobs?status=dead", "/v1/admin/jobs"),
        ("/console/actions/replay/1", "/v1/admin/jobs"),
    ]


@pytest.mark.parametrize("role", STAFF)
def test_every_page_allows_exactly_the_roles_its_api_route_allows(scene: Scene, role: Role) -> None:
    sign_in(scene.client, scene.tokens[role])
    bearer = {"Authorization": f"Bearer {scene.tokens[role]}"}
    for page, api in _pairs(scene):
        console = scene.client.get(page).status_code
        expected = scene.client.get(api, headers=bearer).status_code
        assert expected in (200, 403), (api, expected)
        assert console == expected, (role, page, console, api, expected)
    assert scene.client.get("/console").status_code == 200


def test_only_onboarding_and_admin_see_and_confirm_the_partner_test(scene: Scene) -> None:
    page = f"/console/partners/{scene.partner_id}"
    for role in STAFF:
        sign_in(scene.client, scene.tokens[role])
        shows = 'id="send-test"' in scene.client.get(page).text
        assert shows == (role in (Role.ADMIN, Role.ONBOARDING)), role
        assert scene.client.get(page + "/test").status_code == (200 if shows else 403)


def test_dashboard_counts_what_the_role_may_read(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    text = _text(scene.client.get("/console").text)
    assert "partner inbound processed 1" in text
    assert "partner outbound sent 1" in text
    assert "dead letters" in text and "MDNs overdue" in text and "outbox lag" in text
    assert "PO acknowledgement cycle time" in text
    today = utcnow().date().isoformat()
    chart = scene.client.get("/console").text
    assert f"inbound {today}: 1" in chart and f"outbound {today}: 1" in chart
    sign_in(scene.client, scene.tokens[Role.ONBOARDING])
    onboarding = scene.client.get("/console").text
    assert "certificates expiring" in onboarding
    assert "Messages today" not in onboarding and "dead letters" not in onboarding
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    auditor = scene.client.get("/console").text
    assert "Messages today" in auditor and "dead letters" not in auditor


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"po": PO_NUMBER}, True),
        ({"po": "PO-OTHER"}, False),
        ({"message_id": "<po-console-1@partner>"}, True),
        ({"control_number": "1"}, True),
        ({"control_number": "000000001"}, True),
        ({"control_number": "77"}, False),
        ({"status": "processed", "direction": "inbound"}, True),
        ({"status": "failed"}, False),
        ({"since": "2000-01-01", "until": "2999-12-31", "partner": "1"}, True),
        ({"until": "2000-01-01"}, False),
    ],
)
def test_message_search(scene: Scene, query: dict[str, str], found: bool) -> None:
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    response = scene.client.get("/console/messages", params=query)
    assert response.status_code == 200
    assert (f'href="/console/messages/{scene.exchange_id}"' in response.text) == found


def test_a_bad_search_value_is_a_page_naming_it(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    response = scene.client.get("/console/messages", params={"since": "yesterday"})
    assert response.status_code == 422
    assert "since must be a date" in response.text
    assert scene.client.get("/console/messages/999999").status_code == 404
    assert scene.client.get("/console/messages/abc").status_code == 422


def test_timeline_shows_each_stage_with_its_timing(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    html = scene.client.get(f"/console/messages/{scene.exchange_id}").text
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    stages = re.findall(r'<li class="step step-(\w+)">.*?<b>(?:<a [^>]+>)?([^<]+)', timeline, re.S)
    assert stages == [
        ("done", "received"),
        ("done", "MDN"),
        ("done", "translated"),
        ("done", "997 sent"),
        ("done", f"ERP delivered ({PO_NUMBER})"),
    ]
    assert len(re.findall(r"· \+[\d.]+ (?:ms|s)", timeline)) == 4
    assert "automatic-action/MDN-sent-automatically; processed" in timeline


def test_timeline_of_an_outbound_ack(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    html = scene.client.get(f"/console/messages/{scene.ack_id}").text
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    stages = re.findall(r'<li class="step step-(\w+)">.*?<b>(?:<a [^>]+>)?([^<]+)', timeline, re.S)
    assert stages == [("done", "created"), ("done", "sent"), ("skipped", "MDN")]
    assert "no MDN over rest" in timeline
    assert f'href="/console/messages/{scene.exchange_id}"' in html


def test_document_view_shows_fields_raw_edi_997_mdn_and_reconciliation(scene: Scene) -> None:
    page = f"/console/documents/{scene.document_id}"
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    html = scene.client.get(page).text
    text = _text(html)
    assert f"Purchase order {PO_NUMBER}" in text
    assert "po number PO-1001" in text
    assert "ISA*00*" in html and "BEG*00*SA*PO-1001" in html
    assert "997 / CONTRL sent" in text and "AK9*A*1*1*1" in html
    assert "processed" in html.split("<h2>MDN</h2>")[1]
    assert "Reconciliation against the PO" in text
    assert _actions(scene).count("archive.read") >= 2
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    operator = scene.client.get(page).text
    assert "BEG*00*SA" not in operator and "shown to auditors" in operator


def test_receipts_and_the_evidence_bundle_download(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    receipts = scene.client.get("/console/receipts").text
    assert f'href="/console/messages/{scene.exchange_id}/evidence"' in receipts
    bundle = scene.client.get(f"/console/messages/{scene.exchange_id}/evidence")
    assert bundle.status_code == 200
    assert bundle.headers["content-disposition"] == f'attachment; filename="evidence-{scene.exchange_id}.zip"'
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert verify_bundle(bundle.content).ok
    assert "evidence.export" in _actions(scene)


def test_operator_redelivers_a_dead_erp_job_after_confirming(
    scene: Scene, dead_delivery: DeadDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id, page = dead_delivery.document_id, f"/console/messages/{dead_delivery.exchange_id}"
    action = f"/console/actions/redeliver/{document_id}"
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    timeline = scene.client.get(page).text
    assert "Redeliver" not in timeline
    assert re.search(r'step-failed">.*?ERP delivered \(PO-2002\).*?ConnectError', timeline, re.S)
    assert scene.client.post(action, data={"csrf": csrf(scene.client)}).status_code == 403
    assert erp_job_status(scene.settings, document_id) is JobStatus.DEAD
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    assert f'href="{action}"' in scene.client.get(page).text
    confirm = scene.client.get(action, headers={"Referer": f"http://testserver{page}"})
    assert 'id="confirm"' in confirm.text and f'href="{page}"' in confirm.text
    assert scene.client.post(action, data={}).status_code == 403
    done = scene.client.post(action, data={"csrf": csrf(scene.client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{page}?notice=redeliver"
    assert erp_job_status(scene.settings, document_id) is JobStatus.PENDING
    assert "erp.redeliver" in _actions(scene)
    assert scene.client.post(action, data={"csrf": csrf(scene.client)}).status_code == 409
    assert run_erp_job(scene.settings, document_id, monkeypatch)
    delivered = scene.client.get(page).text
    assert re.search(r'step-done">.*?ERP delivered \(PO-2002\).*?file, attempt 9', delivered, re.S)


def test_cancel_goes_back_to_the_console_page_never_elsewhere(
    scene: Scene, dead_delivery: DeadDelivery
) -> None:
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    action = f"/console/actions/redeliver/{dead_delivery.document_id}"
    foreign = scene.client.get(action, headers={"Referer": "https://evil.example/console/x"}).text
    assert (
        'href="https://evil.example' not in foreign and 'class="button secondary" href="/console"' in foreign
    )


def test_operator_replays_the_dead_job_from_the_dead_letters(
    scene: Scene, dead_delivery: DeadDelivery
) -> None:
    with get_database(scene.settings).sessions() as session:
        job_id = session.scalar(select(OutboxJob.id).where(OutboxJob.status == JobStatus.DEAD))
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    dead = scene.client.get("/console/jobs?status=dead").text
    assert f'href="/console/actions/replay/{job_id}"' in dead and "ConnectError" in dead
    done = scene.client.post(
        f"/console/actions/replay/{job_id}", data={"csrf": csrf(scene.client)}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/messages/{dead_delivery.exchange_id}?notice=replay"
    assert erp_job_status(scene.settings, dead_delivery.document_id) is JobStatus.PENDING
    assert "job.replay" in _actions(scene)


def test_operator_resends_a_failed_outbound_exchange(scene: Scene) -> None:
    with get_database(scene.settings).transaction() as session:
        ack = session.get(Exchange, scene.ack_id)
        assert ack is not None
        mark_failed(ack, utcnow(), "partner refused the connection")
    page = f"/console/messages/{scene.ack_id}"
    sign_in(scene.client, scene.tokens[Role.AUDITOR])
    assert 'id="resend"' not in scene.client.get(page).text
    assert (
        scene.client.post(
            f"/console/actions/resend/{scene.ack_id}", data={"csrf": csrf(scene.client)}
        ).status_code
        == 403
    )
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    assert 'id="resend"' in scene.client.get(page).text
    done = scene.client.post(f"/console/actions/resend/{scene.ack_id}", data={"csrf": csrf(scene.client)})
    assert done.status_code == 200
    assert "queued to be sent again" in done.text
    with get_database(scene.settings).sessions() as session:
        assert session.get(Exchange, scene.ack_id).status is ExchangeStatus.READY  # type: ignore[union-attr]
    assert "exchange.resend" in _actions(scene)


def test_onboarding_sends_a_test_message_from_the_partner_page(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.ONBOARDING])
    page = scene.client.get(f"/console/partners/{scene.partner_id}").text
    assert 'id="certificates"' in page and "CN=partner" in page
    response = scene.client.post(
        f"/console/partners/{scene.partner_id}/test", data={"csrf": csrf(scene.client)}
    )
    assert response.status_code == 200
    assert 'id="test-report"' in response.text
    with get_database(scene.settings).sessions() as session:
        test = session.scalar(select(Exchange).where(Exchange.message_id.like("connectivity-test:%")))
    assert test is not None
    assert f'href="/console/messages/{test.id}"' in response.text
    sign_in(scene.client, scene.tokens[Role.OPERATOR])
    refused = scene.client.post(
        f"/console/partners/{scene.partner_id}/test", data={"csrf": csrf(scene.client)}
    )
    assert refused.status_code == 403


def test_unknown_action_is_not_found(scene: Scene) -> None:
    sign_in(scene.client, scene.tokens[Role.ADMIN])
    assert scene.client.get("/console/actions/delete/1").status_code == 404
    assert CSRF_COOKIE in scene.client.cookies
