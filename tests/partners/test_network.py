"""URL and host rules: address literals in non-global ranges, odd IPv4 spellings, schemes, credentials."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from partners.network import check_host, check_url, non_global_range


def refusal(url: str, *, insecure: bool = False, private: bool = False) -> str | None:
    try:
        check_url(url, allow_insecure_http=insecure, allow_private_network=private)
    except PydanticCustomError as exc:
        return exc.type
    return None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://10.0.0.1/as2", "host_private_network"),
        ("https://172.16.5.4/", "host_private_network"),
        ("https://192.168.0.1/", "host_private_network"),
        ("https://127.0.0.1:8080/", "host_private_network"),
        ("https://169.254.169.254/latest/meta-data", "host_private_network"),
        ("https://100.64.0.1/", "host_private_network"),
        ("https://0.0.0.0/", "host_private_network"),
        ("https://[::1]/", "host_private_network"),
        ("https://[fe80::1]/", "host_private_network"),
        ("https://[fc00::1]/", "host_private_network"),
        ("https://[::ffff:10.0.0.1]/", "host_private_network"),
        ("https://[2002:a00:1::]/", "host_private_network"),
        ("https://localhost/", "host_private_network"),
        ("https://api.localhost./", "host_private_network"),
        ("https://127.1/", "host_ambiguous_address"),
        ("https://2130706433/", "host_ambiguous_address"),
        ("https://0x7f.0.0.1/", "host_ambiguous_address"),
        ("http://as2.example.com/", "url_not_https"),
        ("gopher://as2.example.com/", "url_scheme"),
        ("https://user@as2.example.com/", "url_credentials"),
        ("https://as2.example.com/#frag", "url_fragment"),
        ("https://as2.example.com:0/", "url_invalid"),
        ("https://as2.example.com:70000/", "url_invalid"),
        ("https:///path-only", "url_invalid"),
        ("https://as2 .example.com/", "url_invalid"),
        ("https://ex_ample.com/", "host_invalid"),
    ],
)
def test_refused_urls(url: str, kind: str) -> None:
    assert refusal(url) == kind


@pytest.mark.parametrize(
    "url",
    [
        "https://as2.example.com/as2",
        "https://8.8.8.8:4443/x",
        "https://[2001:4860:4860::8888]/",
        "https://EX.com",
    ],
)
def test_accepted_urls(url: str) -> None:
    assert refusal(url) is None


def test_flags_open_what_they_name() -> None:
    assert refusal("http://10.0.0.1/as2", insecure=True) == "host_private_network"
    assert refusal("http://10.0.0.1/as2", private=True) == "url_not_https"
    assert refusal("http://10.0.0.1/as2", insecure=True, private=True) is None


def test_private_refusal_names_the_range() -> None:
    with pytest.raises(PydanticCustomError) as caught:
        check_host("169.254.0.9", allow_private_network=False)
    assert "link-local" in caught.value.message()
    assert "allow_private_network" in caught.value.message()


@given(st.ip_addresses())
def test_every_address_literal_is_refused_exactly_when_not_global(address: ipaddress.IPv4Address) -> None:
    host = str(address)
    try:
        check_host(host, allow_private_network=False)
        refused = False
    except PydanticCustomError:
        refused = True
    assert refused == (non_global_range(address) is not None)
    assert check_host(host, allow_private_network=True) == host
    if isinstance(address, ipaddress.IPv4Address) and not address.is_global:
        assert refused
