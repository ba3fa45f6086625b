"""EDIFACT service segment headers (UNB, UNG, UNH) as frozen records, read from tokenised segments.

Element positions follow ISO 9735: UNB S001 syntax identifier, S002 sender, S003 recipient, S004 date
and time, 0020 control reference, S005 recipient reference, 0026 application reference, 0029 priority,
0031 acknowledgement request, 0032 agreement identifier, 0035 test indicator.
"""

from __future__ import annotations

from dataclasses import dataclass

from translators.edifact.syntax import Segment, ServiceChars


class UNB:
    SYNTAX = 1
    SENDER = 2
    RECIPIENT = 3
    DATETIME = 4
    REFERENCE = 5
    RECIPIENT_REF = 6
    APPLICATION_REF = 7
    PRIORITY = 8
    ACK_REQUEST = 9
    AGREEMENT = 10
    TEST = 11


class UNZ:
    COUNT = 1
    REFERENCE = 2


class UNG:
    GROUP_ID = 1
    SENDER = 2
    RECIPIENT = 3
    DATETIME = 4
    REFERENCE = 5
    AGENCY = 6
    VERSION = 7
    PASSWORD = 8


class UNE:
    COUNT = 1
    REFERENCE = 2


class UNH:
    REFERENCE = 1
    IDENTIFIER = 2
    COMMON_ACCESS = 3
    TRANSFER = 4


class UNT:
    COUNT = 1
    REFERENCE = 2


@dataclass(frozen=True, slots=True)
class Party:
    """An interchange or group party: identification, code qualifier, reverse routing."""

    id: str
    qualifier: str = ""
    routing: str = ""


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """UNB plus the service characters in force; the interchange's identity for dedup and CONTRL."""

    syntax_id: str
    syntax_version: str
    sender: Party
    recipient: Party
    date: str
    time: str
    reference: str
    service_chars: ServiceChars
    una_present: bool = False
    application_ref: str = ""
    priority: str = ""
    ack_requested: bool = False
    agreement: str = ""
    test: bool = False

    @classmethod
    def from_segment(cls, seg: Segment, service_chars: ServiceChars, una: bool) -> InterchangeHeader:
        return cls(
            syntax_id=seg.get(UNB.SYNTAX, 1),
            syntax_version=seg.get(UNB.SYNTAX, 2),
            sender=Party(seg.get(UNB.SENDER, 1), seg.get(UNB.SENDER, 2), seg.get(UNB.SENDER, 3)),
            recipient=Party(seg.get(UNB.RECIPIENT, 1), seg.get(UNB.RECIPIENT, 2), seg.get(UNB.RECIPIENT, 3)),
            date=seg.get(UNB.DATETIME, 1),
            time=seg.get(UNB.DATETIME, 2),
            reference=seg.get(UNB.REFERENCE),
            service_chars=service_chars,
            una_present=una,
            application_ref=seg.get(UNB.APPLICATION_REF),
            priority=seg.get(UNB.PRIORITY),
            ack_requested=seg.get(UNB.ACK_REQUEST) == "1",
            agreement=seg.get(UNB.AGREEMENT),
            test=seg.get(UNB.TEST) == "1",
        )


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """UNG: functional group identification, application sender/recipient, reference, version."""

    group_id: str
    sender: Party
    recipient: Party
    date: str
    time: str
    reference: str
    agency: str
    version: str
    release: str
    association: str

    @classmethod
    def from_segment(cls, seg: Segment) -> GroupHeader:
        return cls(
            group_id=seg.get(UNG.GROUP_ID),
            sender=Party(seg.get(UNG.SENDER, 1), seg.get(UNG.SENDER, 2)),
            recipient=Party(seg.get(UNG.RECIPIENT, 1), seg.get(UNG.RECIPIENT, 2)),
            date=seg.get(UNG.DATETIME, 1),
            time=seg.get(UNG.DATETIME, 2),
            reference=seg.get(UNG.REFERENCE),
            agency=seg.get(UNG.AGENCY),
            version=seg.get(UNG.VERSION, 1),
            release=seg.get(UNG.VERSION, 2),
            association=seg.get(UNG.VERSION, 3),
        )


@dataclass(frozen=True, slots=True)
class MessageHeader:
    """UNH: message reference and S009 message identifier (type, version, release, agency, association)."""

    reference: str
    type: str
    version: str
    release: str
    agency: str
    association: str = ""
    common_access: str = ""

    @property
    def directory(self) -> str:
        """Directory as usually written: D + 96A -> 'D96A'; syntax-service messages keep '4' + '1'."""
        return f"{self.version}{self.release}".upper()

    @classmethod
    def from_segment(cls, seg: Segment) -> MessageHeader:
        return cls(
            reference=seg.get(UNH.REFERENCE),
            type=seg.get(UNH.IDENTIFIER, 1),
            version=seg.get(UNH.IDENTIFIER, 2),
            release=seg.get(UNH.IDENTIFIER, 3),
            agency=seg.get(UNH.IDENTIFIER, 4),
            association=seg.get(UNH.IDENTIFIER, 5),
            common_access=seg.get(UNH.COMMON_ACCESS),
        )
