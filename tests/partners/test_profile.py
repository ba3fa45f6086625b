"""Partner profile validation: valid data round-trips; each invalid field is reported at its location."""

from __future__ import annotations

from typing import Any

import pytest

from partners.errors import ProfileValidationError
from partners.formats import AckPolicy
from partners.profile import PartnerProfile, parse_profile, update_profile
from tests.partners.factories import ed25519_line, profile_data, with_path


def problems(data: dict[str, Any]) -> set[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ProfileValidationError) as caught:
        parse_profile(data)
    return {(error.loc, error.type) for error in caught.value.errors}


def test_valid_profile_round_trips_through_json() -> None:
    profile = parse_profile(profile_data())
    again = PartnerProfile.model_validate_json(profile.model_dump_json())
    assert again == profile
    assert profile.identities.x12[0].isa_id == "ACMESUPPLY"
    assert profile.transports.as2 is not None
    assert profile.transports.as2.url == "https://as2.acme.example.com:4443/as2"


def test_profile_is_frozen() -> None:
    profile = parse_profile(profile_data())
    with pytest.raises(ValueError, match="frozen"):
        profile.name = "other"  # type: ignore[misc]


def test_ack_policy_defaults_follow_syntax_and_version() -> None:
    profile = parse_profile(profile_data())
    policies = {(f.direction.value, f.document_type): f.ack_policy for f in profile.formats}
    assert policies == {
        ("inbound", "855"): AckPolicy.X12_997,
        ("outbound", "850"): AckPolicy.X12_999,
        ("inbound", "DESADV"): AckPolicy.CONTRL,
    }
    fmt = profile.format_for("inbound", "DESADV")
    assert fmt is not None
    assert fmt.document_kind == "ship_notice"
    assert profile.format_for("outbound", "ORDERS") is None


BASE = profile_data()
X12_0 = ("identities", "x12", 0)
AS2 = ("transports", "as2")

INVALID_CASES = [
    (
        "isa id longer than 15",
        with_path(BASE, (*X12_0, "isa_id"), "A" * 16),
        (*X12_0, "isa_id"),
        "isa_id_length",
    ),
    (
        "unknown qualifier",
        with_path(BASE, (*X12_0, "isa_qualifier"), "99"),
        (*X12_0, "isa_qualifier"),
        "isa_qualifier_unknown",
    ),
    ("gs id too short", with_path(BASE, (*X12_0, "gs_id"), "A"), (*X12_0, "gs_id"), "gs_id_length"),
    (
        "as2 id too long",
        with_path(BASE, ("identities", "as2_id"), "x" * 129),
        ("identities", "as2_id"),
        "as2_id_length",
    ),
    (
        "as2 id non-ascii",
        with_path(BASE, ("identities", "as2_id"), "ACMÉ"),
        ("identities", "as2_id"),
        "as2_id_charset",
    ),
    (
        "unb id too long",
        with_path(BASE, ("identities", "edifact", 0, "unb_id"), "9" * 36),
        ("identities", "edifact", 0, "unb_id"),
        "unb_id_length",
    ),
    (
        "unb qualifier",
        with_path(BASE, ("identities", "edifact", 0, "unb_qualifier"), "ZZ-Z"),
        ("identities", "edifact", 0, "unb_qualifier"),
        "unb_qualifier_format",
    ),
    (
        "private as2 url",
        with_path(BASE, (*AS2, "url"), "https://192.168.1.20/as2"),
        (*AS2, "url"),
        "host_private_network",
    ),
    (
        "loopback as2 url",
        with_path(BASE, (*AS2, "url"), "https://[::1]:8443/as2"),
        (*AS2, "url"),
        "host_private_network",
    ),
    (
        "link-local as2 url",
        with_path(BASE, (*AS2, "url"), "https://169.254.169.254/latest"),
        (*AS2, "url"),
        "host_private_network",
    ),
    (
        "http as2 url",
        with_path(BASE, (*AS2, "url"), "http://as2.acme.example.com/as2"),
        (*AS2, "url"),
        "url_not_https",
    ),
    (
        "ftp as2 url",
        with_path(BASE, (*AS2, "url"), "ftp://as2.acme.example.com/"),
        (*AS2, "url"),
        "url_scheme",
    ),
    (
        "credentials in url",
        with_path(BASE, (*AS2, "url"), "https://u:p@as2.example.com/"),
        (*AS2, "url"),
        "url_credentials",
    ),
    (
        "private allow-list entry",
        with_path(BASE, (*AS2, "async_mdn_allow_list"), ["https://ok.example.com/", "https://10.1.2.3/mdn"]),
        (*AS2, "async_mdn_allow_list", 1),
        "host_private_network",
    ),
    (
        "unknown signature algorithm",
        with_path(BASE, (*AS2, "signature_algorithm"), "md5"),
        (*AS2, "signature_algorithm"),
        "enum",
    ),
    (
        "unknown encryption algorithm",
        with_path(BASE, (*AS2, "encryption_algorithm"), "rc2-40"),
        (*AS2, "encryption_algorithm"),
        "enum",
    ),
    ("unknown mdn mode", with_path(BASE, (*AS2, "mdn_mode"), "later"), (*AS2, "mdn_mode"), "enum"),
    (
        "basic auth without secret",
        with_path(BASE, (*AS2, "basic_auth_user"), "acme"),
        (*AS2, "basic_auth_secret_ref"),
        "basic_auth_incomplete",
    ),
    (
        "secret given inline",
        with_path(BASE, (*AS2, "basic_auth_secret_ref"), "pass word!"),
        (*AS2, "basic_auth_secret_ref"),
        "secret_ref_format",
    ),
    (
        "tls cert ref not a fingerprint",
        with_path(BASE, (*AS2, "tls_client_cert_ref"), "my-cert"),
        (*AS2, "tls_client_cert_ref"),
        "certificate_ref_format",
    ),
    (
        "bad content type quirk",
        with_path(BASE, (*AS2, "quirks"), {"content_type": "edi x12"}),
        (*AS2, "quirks", "content_type"),
        "content_type_format",
    ),
    ("unknown field", with_path(BASE, (*AS2, "sign_mdn"), True), (*AS2, "sign_mdn"), "extra_forbidden"),
    (
        "x12 ack for edifact",
        with_path(BASE, ("formats", 2, "ack_policy"), "997"),
        ("formats", 2, "ack_policy"),
        "ack_policy_syntax",
    ),
    (
        "edifact type for x12",
        with_path(BASE, ("formats", 0, "document_type"), "ORDERS"),
        ("formats", 0, "document_type"),
        "document_type_unknown",
    ),
    (
        "bad x12 version",
        with_path(BASE, ("formats", 0, "version"), "4010"),
        ("formats", 0, "version"),
        "version_format",
    ),
    (
        "negative duplicate window",
        with_path(BASE, ("formats", 0, "duplicate_window_days"), -1),
        ("formats", 0, "duplicate_window_days"),
        "greater_than_equal",
    ),
    (
        "repeated format",
        with_path(BASE, ("formats",), [*BASE["formats"], BASE["formats"][1]]),
        ("formats", 3, "document_type"),
        "format_duplicate",
    ),
    (
        "webhook to loopback",
        with_path(
            BASE,
            ("transports", "rest"),
            {"webhook_url": "https://127.0.0.1/hook", "webhook_secret_ref": "hooks/acme"},
        ),
        ("transports", "rest", "webhook_url"),
        "host_private_network",
    ),
    (
        "webhook over http",
        with_path(
            BASE,
            ("transports", "rest"),
            {"webhook_url": "http://hooks.example.com/", "webhook_secret_ref": "hooks/acme"},
        ),
        ("transports", "rest", "webhook_url"),
        "url_not_https",
    ),
    (
        "unsigned webhook",
        with_path(BASE, ("transports", "rest"), {"webhook_url": "https://hooks.example.com/"}),
        ("transports", "rest", "webhook_secret_ref"),
        "webhook_secret_missing",
    ),
    (
        "outbound transport missing",
        with_path(BASE, ("transports", "outbound"), "sftp"),
        ("transports", "outbound"),
        "transport_not_configured",
    ),
    (
        "as2 without as2 id",
        with_path(BASE, ("identities", "as2_id"), None),
        ("identities", "as2_id"),
        "identity_missing",
    ),
    (
        "x12 formats without x12 identity",
        with_path(BASE, ("identities", "x12"), []),
        ("identities", "x12"),
        "identity_missing",
    ),
    (
        "repeated x12 identity",
        with_path(BASE, ("identities", "x12"), [BASE["identities"]["x12"][0]] * 2),
        ("identities", "x12", 1),
        "identity_repeated",
    ),
    ("bad partner code", with_path(BASE, ("code",), "ACME Inc"), ("code",), "partner_code_format"),
    ("blank name", with_path(BASE, ("name",), "   "), ("name",), "name_format"),
    (
        "control character in contact",
        with_path(BASE, ("contacts", 0, "name"), "Jo\x1bBuyer"),
        ("contacts", 0, "name"),
        "name_format",
    ),
    (
        "bad contact email",
        with_path(BASE, ("contacts", 0, "email"), "jo@"),
        ("contacts", 0, "email"),
        "email_format",
    ),
    (
        "bad contact phone",
        with_path(BASE, ("contacts", 0, "phone"), "call me"),
        ("contacts", 0, "phone"),
        "phone_format",
    ),
]


@pytest.mark.parametrize(
    ("data", "loc", "kind"), [c[1:] for c in INVALID_CASES], ids=[c[0] for c in INVALID_CASES]
)
def test_invalid_field_is_reported_at_its_location(
    data: dict[str, Any], loc: tuple[str | int, ...], kind: str
) -> None:
    assert (loc, kind) in problems(data)


def test_error_message_names_the_path_and_the_reason() -> None:
    with pytest.raises(ProfileValidationError) as caught:
        parse_profile(with_path(BASE, (*X12_0, "isa_id"), "A" * 16))
    (error,) = caught.value.errors
    assert error.path == "identities.x12[0].isa_id"
    assert "1 to 15 characters, got 16" in error.message
    assert "identities.x12[0].isa_id" in str(caught.value)


def test_several_problems_are_reported_together() -> None:
    data = with_path(BASE, (*X12_0, "isa_id"), "A" * 16)
    data = with_path(data, (*AS2, "url"), "https://10.0.0.5/as2")
    assert {loc for loc, _ in problems(data)} == {(*X12_0, "isa_id"), (*AS2, "url")}


def test_explicit_flags_allow_private_network_and_plain_http() -> None:
    as2 = {"url": "http://10.0.0.5:8080/as2", "allow_private_network": True, "allow_insecure_http": True}
    profile = parse_profile(with_path(BASE, ("transports", "as2"), as2))
    assert profile.transports.as2 is not None
    assert profile.transports.as2.url == "http://10.0.0.5:8080/as2"


def test_sftp_transport_validates_keys_and_remote_settings() -> None:
    sftp = {
        "inbound": {"username": "acme", "authorized_keys": [ed25519_line(), ed25519_line("")]},
        "outbound": {
            "host": "sftp.acme.example.com",
            "username": "gw",
            "host_key": ed25519_line(),
            "client_key_ref": "keys/sftp-acme",
            "upload_dir": "/in",
            "download_dir": "out",
        },
    }
    profile = parse_profile(
        with_path(with_path(BASE, ("transports", "sftp"), sftp), ("transports", "outbound"), "sftp")
    )
    assert profile.transports.sftp is not None
    assert profile.transports.sftp.inbound is not None
    assert len(profile.transports.sftp.inbound.authorized_keys) == 2
    assert profile.transports.sftp.outbound is not None
    assert profile.transports.sftp.outbound.port == 22


SFTP = ("transports", "sftp")
OUT = (*SFTP, "outbound")
KEY = ed25519_line()


def inbound(username: str = "acme", keys: list[str] | None = None) -> dict[str, Any]:
    return {"inbound": {"username": username, "authorized_keys": [KEY] if keys is None else keys}}


def outbound(**changes: Any) -> dict[str, Any]:
    good = {"host": "sftp.acme.example.com", "username": "gw", "host_key": KEY, "client_key_ref": "keys/acme"}
    return {"outbound": {**good, **changes}}


SFTP_CASES = [
    ("bad username", inbound("Acme!"), (*SFTP, "inbound", "username"), "sftp_username_format"),
    ("no keys", inbound(keys=[]), (*SFTP, "inbound", "authorized_keys"), "too_short"),
    (
        "garbage key",
        inbound(keys=["ssh-ed25519 !!!"]),
        (*SFTP, "inbound", "authorized_keys", 0),
        "ssh_key_invalid",
    ),
    ("repeated key", inbound(keys=[KEY, KEY]), (*SFTP, "inbound", "authorized_keys", 1), "ssh_key_duplicate"),
    ("empty sftp", {}, (*SFTP, "inbound"), "sftp_empty"),
    ("private host", outbound(host="10.9.8.7"), (*OUT, "host"), "host_private_network"),
    ("bad host name", outbound(host="bad_host!"), (*OUT, "host"), "host_invalid"),
    ("traversal dir", outbound(upload_dir="in/../../etc"), (*OUT, "upload_dir"), "remote_path_traversal"),
    ("port zero", outbound(port=0), (*OUT, "port"), "greater_than_equal"),
    ("no credential", outbound(client_key_ref=None), (*OUT, "client_key_ref"), "sftp_credential_missing"),
    ("bad host key", outbound(host_key="ssh-dss AAAA"), (*OUT, "host_key"), "ssh_key_invalid"),
]


@pytest.mark.parametrize(("sftp", "loc", "kind"), [c[1:] for c in SFTP_CASES], ids=[c[0] for c in SFTP_CASES])
def test_invalid_sftp_setting_is_located(sftp: dict[str, Any], loc: tuple[str | int, ...], kind: str) -> None:
    assert (loc, kind) in problems(with_path(BASE, SFTP, sftp))


def test_update_merges_nested_changes_and_revalidates() -> None:
    profile = parse_profile(profile_data())
    updated = update_profile(profile, {"transports": {"as2": {"encrypt": False}}, "name": "ACME Group"})
    assert updated.name == "ACME Group"
    assert updated.transports.as2 is not None
    assert updated.transports.as2.encrypt is False
    assert updated.transports.as2.url == profile.transports.as2.url  # type: ignore[union-attr]
    assert updated.identities == profile.identities


def test_update_reports_located_errors_and_keeps_the_code() -> None:
    profile = parse_profile(profile_data())
    with pytest.raises(ProfileValidationError) as caught:
        update_profile(profile, {"identities": {"x12": [{"isa_qualifier": "ZZ", "isa_id": "X" * 20}]}})
    assert caught.value.errors[0].loc == ("identities", "x12", 0, "isa_id")
    with pytest.raises(ProfileValidationError) as renamed:
        update_profile(profile, {"code": "other"})
    assert renamed.value.errors[0].type == "code_immutable"
