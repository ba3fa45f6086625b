"""Certificate rollover with overlapping validity, operator windows and usages; expiry warnings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from partners.certificates import CertificateInfo, describe
from partners.keys import CertificateUsage
from partners.rollover import (
    ManagedCertificate,
    choose_encryption_cert,
    choose_signing_cert,
    decryption_candidates,
    expiry_warnings,
    verification_candidates,
)
from tests.partners.certs import make_cert

UTC = dt.UTC
BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})


def day(year: int, month: int, date: int) -> dt.datetime:
    return dt.datetime(year, month, date, tzinfo=UTC)


def managed(
    cn: str,
    start: dt.datetime,
    end: dt.datetime,
    usages: frozenset[CertificateUsage] = BOTH,
    **kwargs: object,
) -> ManagedCertificate:
    info = describe(make_cert(cn, not_before=start, not_after=end))
    return ManagedCertificate.model_validate({"info": info, "usages": usages, **kwargs})


OLD = managed("old", day(2025, 1, 1), day(2026, 12, 31))
NEW = managed("new", day(2026, 11, 1), day(2028, 11, 1))


def names(certs: tuple[ManagedCertificate, ...]) -> list[str | None]:
    return [c.info.common_name for c in certs]


@pytest.mark.parametrize(
    ("now", "encrypt_to", "verify_with"),
    [
        (day(2026, 10, 1), "old", ["old"]),
        (day(2026, 11, 15), "new", ["new", "old"]),
        (day(2027, 1, 5), "new", ["new"]),
        (day(2029, 1, 1), None, []),
    ],
)
def test_rollover_with_overlapping_certificates(
    now: dt.datetime, encrypt_to: str | None, verify_with: list[str]
) -> None:
    chosen = choose_encryption_cert([OLD, NEW], now)
    assert (chosen.info.common_name if chosen else None) == encrypt_to
    assert names(verification_candidates([OLD, NEW], now)) == verify_with
    assert names(decryption_candidates([NEW, OLD], now)) == verify_with


def test_operator_window_postpones_the_switch_over() -> None:
    scheduled = managed("new", day(2026, 11, 1), day(2028, 11, 1), active_from=day(2026, 12, 1))
    chosen = choose_encryption_cert([OLD, scheduled], day(2026, 11, 15))
    assert chosen is not None
    assert chosen.info.common_name == "old"
    assert names(verification_candidates([OLD, scheduled], day(2026, 12, 2))) == ["new", "old"]


def test_operator_window_retires_a_certificate_early() -> None:
    retired = managed("old", day(2025, 1, 1), day(2026, 12, 31), active_until=day(2026, 11, 10))
    assert names(verification_candidates([retired, NEW], day(2026, 11, 15))) == ["new"]


def test_usages_and_disabled_certificates_are_respected() -> None:
    sign_only = managed("sign-only", day(2026, 11, 2), day(2028, 1, 1), frozenset({CertificateUsage.SIGN}))
    disabled = managed("disabled", day(2026, 11, 3), day(2028, 1, 1), enabled=False)
    now = day(2026, 11, 15)
    chosen = choose_encryption_cert([OLD, NEW, sign_only, disabled], now)
    assert chosen is not None
    assert chosen.info.common_name == "new"
    signer = choose_signing_cert([OLD, NEW, sign_only, disabled], now)
    assert signer is not None
    assert signer.info.common_name == "sign-only"
    assert "disabled" not in names(verification_candidates([disabled, OLD], now))


def test_empty_or_inverted_window_is_located() -> None:
    with pytest.raises(ValidationError) as caught:
        managed(
            "x", day(2026, 1, 1), day(2027, 1, 1), active_from=day(2026, 6, 1), active_until=day(2026, 5, 1)
        )
    assert caught.value.errors()[0]["loc"] == ("active_until",)
    with pytest.raises(ValidationError) as no_usage:
        managed("x", day(2026, 1, 1), day(2027, 1, 1), usages=frozenset())
    assert no_usage.value.errors()[0]["loc"] == ("usages",)


def test_expiry_warnings_at_60_30_7_days_and_after_expiry() -> None:
    now = day(2026, 11, 15)
    certs = [
        managed(cn, day(2026, 1, 1), now + dt.timedelta(days=days))
        for cn, days in (("far", 90), ("d45", 45), ("d20", 20), ("d3", 3), ("gone", -2), ("edge", 30))
    ]
    certs.append(managed("off", day(2026, 1, 1), now + dt.timedelta(days=1), enabled=False))
    warnings = expiry_warnings(certs, now)
    by_subject = {w.subject.split(",")[0]: (w.threshold_days, w.days_left, w.expired) for w in warnings}
    assert by_subject == {
        "CN=gone": (None, -2, True),
        "CN=d3": (7, 3, False),
        "CN=d20": (30, 20, False),
        "CN=edge": (30, 30, False),
        "CN=d45": (60, 45, False),
    }
    assert [w.subject.split(",")[0] for w in warnings] == ["CN=gone", "CN=d3", "CN=d20", "CN=edge", "CN=d45"]


def test_expiry_warning_follows_the_operator_window() -> None:
    now = day(2026, 11, 15)
    cert = managed("x", day(2026, 1, 1), day(2030, 1, 1), active_until=now + dt.timedelta(days=5))
    (warning,) = expiry_warnings([cert], now)
    assert warning.threshold_days == 7
    assert warning.ends == now + dt.timedelta(days=5)


BASE_INFO = describe(make_cert("base"))
EPOCH = day(2026, 1, 1)


def info_at(index: int, start_day: int, length: int) -> CertificateInfo:
    start = EPOCH + dt.timedelta(days=start_day)
    return BASE_INFO.model_copy(
        update={
            "not_before": start,
            "not_after": start + dt.timedelta(days=length),
            "fingerprint_sha256": f"{index:064x}",
        }
    )


windows = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 400), st.booleans()), min_size=1, max_size=6)


@given(windows, st.integers(0, 800))
def test_choice_is_the_newest_active_and_candidates_are_all_active(
    spec: list[tuple[int, int, bool]], now_day: int
) -> None:
    now = EPOCH + dt.timedelta(days=now_day)
    certs = [
        ManagedCertificate(info=info_at(i, s, n), usages=BOTH, enabled=on)
        for i, (s, n, on) in enumerate(spec)
    ]
    active = [c for c in certs if c.enabled and c.info.not_before <= now <= c.info.not_after]
    assert set(verification_candidates(certs, now)) == set(active)
    chosen = choose_encryption_cert(certs, now)
    if not active:
        assert chosen is None
    else:
        assert chosen in active
        assert chosen is not None
        assert chosen.info.not_before == max(c.info.not_before for c in active)
