"""What an inbound translation returns, whatever the syntax: per interchange its metadata and groups, per
message the canonical document or its located errors, and the acknowledgements to send back."""

from __future__ import annotations

from dataclasses import dataclass

from translators.canonical import CanonicalDocument, FunctionalAck
from translators.errors import TranslatorError
from translators.options import Syntax


@dataclass(frozen=True, slots=True)
class MessageResult:
    """One transaction set / message."""

    message_type: str
    control_ref: str
    implementation_ref: str | None
    document: CanonicalDocument | None
    errors: tuple[TranslatorError, ...] = ()
    supported: bool = True

    @property
    def accepted(self) -> bool:
        return self.supported and self.document is not None and not self.errors


@dataclass(frozen=True, slots=True)
class GroupResult:
    functional_id: str | None
    control_ref: str | None
    version: str | None
    sender: str | None
    receiver: str | None
    messages: tuple[MessageResult, ...]
    errors: tuple[TranslatorError, ...] = ()


@dataclass(frozen=True, slots=True)
class InterchangeResult:
    """One interchange; ``received_acks`` holds the interchange acknowledgements (X12 TA1) it carried."""

    syntax: Syntax
    sender_qualifier: str | None
    sender_id: str
    receiver_qualifier: str | None
    receiver_id: str
    control_ref: str
    version: str
    date: str
    time: str
    test: bool
    ack_requested: bool
    groups: tuple[GroupResult, ...]
    errors: tuple[TranslatorError, ...] = ()
    received_acks: tuple[FunctionalAck, ...] = ()

    def messages(self) -> tuple[MessageResult, ...]:
        return tuple(m for g in self.groups for m in g.messages)


@dataclass(frozen=True, slots=True)
class OutboundAck:
    """An acknowledgement to send for one inbound interchange: the canonical form and its wire bytes."""

    interchange_ref: str
    kind: str
    data: bytes
    functional_ack: FunctionalAck | None = None


@dataclass(frozen=True, slots=True)
class TranslationResult:
    syntax: Syntax
    interchanges: tuple[InterchangeResult, ...]
    acks: tuple[OutboundAck, ...] = ()
    errors: tuple[TranslatorError, ...] = ()

    @property
    def documents(self) -> tuple[CanonicalDocument, ...]:
        return tuple(m.document for i in self.interchanges for m in i.messages() if m.document is not None)

    def all_errors(self) -> tuple[TranslatorError, ...]:
        """Every error, fatal and located, of every interchange, group and message."""
        found = list(self.errors)
        for interchange in self.interchanges:
            found += interchange.errors
            for group in interchange.groups:
                found += group.errors
                for message in group.messages:
                    found += message.errors
        return tuple(dict.fromkeys(found))

    @property
    def ok(self) -> bool:
        return not self.all_errors()
