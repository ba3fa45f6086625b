"""AS2 settings helpers: micalg spellings, inbound digest policy, async MDN destination allow-list."""

from __future__ import annotations

from typing import Any

import pytest

from partners.as2_settings import (
    As2Settings,
    MicalgSpelling,
    SignatureAlgorithm,
    async_mdn_url_allowed,
    micalg_name,
)


def settings(**changes: Any) -> As2Settings:
    return As2Settings.model_validate({"url": "https://as2.acme.example.com/as2", **changes})


@pytest.mark.parametrize(
    ("algorithm", "rfc5751", "rfc3851"),
    [
        (SignatureAlgorithm.SHA1, "sha-1", "sha1"),
        (SignatureAlgorithm.SHA256, "sha-256", "sha256"),
        (SignatureAlgorithm.SHA512, "sha-512", "sha512"),
    ],
)
def test_micalg_spellings(algorithm: SignatureAlgorithm, rfc5751: str, rfc3851: str) -> None:
    assert micalg_name(algorithm) == rfc5751
    assert micalg_name(algorithm, MicalgSpelling.RFC3851) == rfc3851


def test_md5_is_accepted_inbound_only_for_legacy_partners() -> None:
    assert "md5" not in settings().accepted_inbound_digests
    assert "sha256" in settings().accepted_inbound_digests
    assert "md5" in settings(legacy_md5=True).accepted_inbound_digests


def test_defaults_are_secure() -> None:
    default = settings()
    assert (default.sign, default.encrypt, default.mdn_signed) == (True, True, True)
    assert default.signature_algorithm is SignatureAlgorithm.SHA256
    assert default.require_signed_inbound
    assert default.require_encrypted_inbound


ALLOW = ["https://as2.acme.example.com/mdn", "https://backup.acme.example.com:8443/"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://as2.acme.example.com/mdn", True),
        ("https://AS2.acme.example.com/mdn/async?id=1", True),
        ("https://as2.acme.example.com:443/mdn", True),
        ("https://backup.acme.example.com:8443/anything", True),
        ("https://as2.acme.example.com/mdnx", False),
        ("https://as2.acme.example.com/other", False),
        ("https://as2.acme.example.com/mdn/../admin", False),
        ("https://as2.acme.example.com/mdn/%2e%2e/admin", False),
        ("http://as2.acme.example.com/mdn", False),
        ("https://as2.acme.example.com:8443/mdn", False),
        ("https://backup.acme.example.com/", False),
        ("https://evil.example.com/mdn", False),
        ("https://127.0.0.1/mdn", False),
        ("not a url", False),
    ],
)
def test_async_mdn_destination_must_be_allow_listed(url: str, allowed: bool) -> None:
    assert async_mdn_url_allowed(settings(async_mdn_allow_list=ALLOW), url) is allowed


def test_empty_allow_list_allows_nothing() -> None:
    assert not async_mdn_url_allowed(settings(), "https://as2.acme.example.com/mdn")


def test_private_allow_list_entry_needs_the_flag_at_delivery_too() -> None:
    private = settings(allow_private_network=True, async_mdn_allow_list=["https://10.0.0.8/mdn"])
    assert async_mdn_url_allowed(private, "https://10.0.0.8/mdn/1")
