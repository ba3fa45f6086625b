"""Certificate chains in an upload: put them in order, check each link, and report on a whole upload
(what the admin API shows when procurement staff upload a partner's certificate file)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from cryptography import x509

from partners.certificates import (
    CertificateInfo,
    CertificateProblem,
    Severity,
    certificate_problems,
    describe,
    load_certificates,
)
from partners.errors import CertificateError, CertificateReason
from partners.signatures import is_signed_by


def chain_problems(certs: tuple[x509.Certificate, ...]) -> tuple[CertificateProblem, ...]:
    """Check that each certificate (leaf first) is signed by the next one in the list."""
    problems = []
    for index, (child, parent) in enumerate(itertools.pairwise(certs)):
        if not is_signed_by(child, parent):
            message = f"certificate {index} is not issued by certificate {index + 1} of the chain"
            problems.append(CertificateProblem(CertificateReason.BAD_SIGNATURE, Severity.ERROR, message))
    return tuple(problems)


def _issuer_path(start: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
    path = [start]
    while True:
        issuer = next((c for c in pool if c not in path and is_signed_by(path[-1], c)), None)
        if issuer is None:
            return path
        path.append(issuer)


def order_chain(certs: tuple[x509.Certificate, ...]) -> tuple[x509.Certificate, ...]:
    """The certificates of an upload ordered leaf first, each followed by its issuer when present.

    Uploads (P7B, ``.ca`` bundles) often list the root first. The leaf is the certificate that issued
    none of the others and has the longest issuer path; the rest keep their order at the end.
    """
    pool = list(dict.fromkeys(certs))
    issuers = [c for c in pool if any(o is not c and is_signed_by(o, c) for o in pool)]
    paths = [_issuer_path(c, pool) for c in pool if c not in issuers]
    path = max(paths, key=len, default=[])
    return tuple(path) + tuple(c for c in pool if c not in path)


@dataclass(frozen=True, slots=True)
class UploadReport:
    """An upload read and checked: certificates leaf first, the problems of each, and of the chain."""

    certificates: tuple[CertificateInfo, ...]
    problems: tuple[tuple[CertificateProblem, ...], ...]
    chain: tuple[CertificateProblem, ...]

    @property
    def leaf(self) -> CertificateInfo:
        return self.certificates[0]

    @property
    def blocking(self) -> tuple[CertificateProblem, ...]:
        """Errors of the leaf certificate (the one that will be used); chain findings are advisory,
        since partners' AS2 certificates are commonly trusted directly rather than through a CA."""
        return tuple(p for p in self.problems[0] if p.severity is Severity.ERROR)


def inspect_upload(data: bytes, now: dt.datetime, password: bytes | None = None) -> UploadReport:
    """Load an upload (any format), order it leaf first and check every certificate at ``now``."""
    certs = order_chain(load_certificates(data, password))
    return UploadReport(
        certificates=tuple(describe(cert) for cert in certs),
        problems=tuple(certificate_problems(cert, now) for cert in certs),
        chain=chain_problems(certs),
    )


def accept_upload(data: bytes, now: dt.datetime, password: bytes | None = None) -> UploadReport:
    """:func:`inspect_upload`, raising :class:`CertificateError` for the leaf's first blocking problem."""
    report = inspect_upload(data, now, password)
    if report.blocking:
        first = report.blocking[0]
        raise CertificateError(first.reason, f"{report.leaf.subject}: {first.message}")
    return report
