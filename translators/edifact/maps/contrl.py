"""CONTRL <-> FunctionalAck. UCI answers the interchange, UCF a functional group, UCM a message, UCS a
segment and UCD an element. Errors on UNH/UNT travel in UCM 0085/0013/S011 and appear as a SegmentNote
named after that service segment with position 0; UCI's 0013/S011 detail has no canonical field and is
kept as an ``Extension`` tagged UCI. Segment notes read back from UCS carry an empty tag: UCS has none.
"""

from __future__ import annotations

from translators.canonical import (
    AckLevelStatus,
    ElementNote,
    Extension,
    FunctionalAck,
    GroupAck,
    MessageAck,
    SegmentNote,
)
from translators.edifact.headers import Party
from translators.edifact.render import SegmentSpec
from translators.edifact.syntax import Segment

SERVICE_TAGS = frozenset({"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"})
ACTION_TO_STATUS = {"7": AckLevelStatus.ACCEPTED, "4": AckLevelStatus.REJECTED, "8": AckLevelStatus.RECEIVED}
STATUS_TO_ACTION = {status: action for action, status in ACTION_TO_STATUS.items()}


class UCI:
    REFERENCE = 1
    SENDER = 2
    RECIPIENT = 3
    ACTION = 4
    ERROR = 5
    TAG = 6
    ELEMENT = 7


class UCF:
    REFERENCE = 1
    SENDER = 2
    RECIPIENT = 3
    ACTION = 4
    ERROR = 5
    TAG = 6
    ELEMENT = 7


class UCM:
    REFERENCE = 1
    IDENTIFIER = 2
    ACTION = 3
    ERROR = 4
    TAG = 5
    ELEMENT = 6


class UCS:
    POSITION = 1
    ERROR = 2


class UCD:
    ERROR = 1
    ELEMENT = 2


def _status(action: str) -> tuple[AckLevelStatus, str | None]:
    status = ACTION_TO_STATUS.get(action)
    return (status, None) if status is not None else (AckLevelStatus.OTHER, action or None)


def _action(status: AckLevelStatus | None, code: str | None) -> str:
    if status is None:
        return "7"
    return code if status is AckLevelStatus.OTHER and code else STATUS_TO_ACTION.get(status, "4")


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


class _AckBuilder:
    """Walks the CONTRL body keeping the open UCF group, UCM message and UCS segment."""

    def __init__(self) -> None:
        self.ack: dict[str, object] = {}
        self.groups: list[tuple[dict[str, object], list[MessageAck]]] = []
        self.messages: list[tuple[dict[str, object], list[SegmentNote]]] = []
        self.extensions: list[Extension] = []

    def uci(self, seg: Segment) -> None:
        status, _ = _status(seg.get(UCI.ACTION))
        self.ack = {
            "interchange_ref": seg.get(UCI.REFERENCE) or None,
            "interchange_status": status,
            "interchange_error_codes": (seg.get(UCI.ERROR),) if seg.get(UCI.ERROR) else (),
        }
        if seg.get(UCI.TAG) or seg.get(UCI.ELEMENT):
            self.extensions.append(
                Extension(tag="UCI", elements=((seg.get(UCI.TAG),), tuple(seg.composite(UCI.ELEMENT))))
            )

    def ucf(self, seg: Segment) -> None:
        self._close_messages()
        status, code = _status(seg.get(UCF.ACTION))
        group: dict[str, object] = {
            "functional_id": None,
            "control_number": seg.get(UCF.REFERENCE) or None,
            "status": status,
            "status_code": code,
            "error_codes": (seg.get(UCF.ERROR),) if seg.get(UCF.ERROR) else (),
        }
        self.groups.append((group, []))

    def ucm(self, seg: Segment) -> None:
        identifier = seg.composite(UCM.IDENTIFIER)
        status, code = _status(seg.get(UCM.ACTION))
        notes: list[SegmentNote] = []
        error = seg.get(UCM.ERROR)
        if seg.get(UCM.TAG):
            element = seg.composite(UCM.ELEMENT)
            elements = (
                (
                    ElementNote(
                        position=int(element[0]),
                        component=_int(element[1]) if len(element) > 1 else None,
                        code=error or "18",
                    ),
                )
                if element and element[0].isascii() and element[0].isdigit()
                else ()
            )
            notes.append(SegmentNote(tag=seg.get(UCM.TAG), position=0, code=error or None, elements=elements))
        message: dict[str, object] = {
            "message_type": identifier[0] if identifier else "",
            "control_number": seg.get(UCM.REFERENCE),
            "implementation_ref": ":".join(identifier[1:]) or None,
            "status": status,
            "status_code": code,
            "error_codes": (error,) if error else (),
        }
        self.messages.append((message, notes))

    def ucs(self, seg: Segment) -> None:
        if not self.messages:
            return
        code = seg.get(UCS.ERROR)
        self.messages[-1][1].append(
            SegmentNote(tag="", position=_int(seg.get(UCS.POSITION)) or 0, code=code or None)
        )

    def ucd(self, seg: Segment) -> None:
        if not self.messages or not self.messages[-1][1]:
            return
        notes = self.messages[-1][1]
        element = seg.composite(UCD.ELEMENT)
        note = ElementNote(
            position=_int(element[0]) or 0 if element else 0,
            component=_int(element[1]) if len(element) > 1 else None,
            code=seg.get(UCD.ERROR),
        )
        notes[-1] = notes[-1].model_copy(update={"elements": (*notes[-1].elements, note)})

    def _close_messages(self) -> None:
        if not self.messages:
            return
        built = [MessageAck(**m, segments=tuple(notes)) for m, notes in self.messages]
        self.messages = []
        if not self.groups:
            self.groups.append(
                ({"status": self.ack.get("interchange_status") or AckLevelStatus.ACCEPTED}, [])
            )
        self.groups[-1][1].extend(built)

    def build(self) -> FunctionalAck:
        self._close_messages()
        groups = tuple(GroupAck(**g, messages=tuple(m)) for g, m in self.groups)
        return FunctionalAck(**self.ack, groups=groups, extensions=tuple(self.extensions))


def contrl_to_ack(body: list[Segment]) -> FunctionalAck:
    """Read the body of a CONTRL message (segments between UNH and UNT)."""
    builder = _AckBuilder()
    handlers = {
        "UCI": builder.uci,
        "UCF": builder.ucf,
        "UCM": builder.ucm,
        "UCS": builder.ucs,
        "UCD": builder.ucd,
    }
    for seg in body:
        handler = handlers.get(seg.tag)
        if handler is not None:
            handler(seg)
    return builder.build()


def _uci(ack: FunctionalAck, sender: Party, recipient: Party) -> SegmentSpec:
    detail = next((e for e in ack.extensions if e.tag == "UCI"), None)
    tag = detail.elements[0][0] if detail and detail.elements and detail.elements[0] else None
    element = list(detail.elements[1]) if detail and len(detail.elements) > 1 else None
    code = ack.interchange_error_codes[0] if ack.interchange_error_codes else None
    return (
        "UCI",
        [
            ack.interchange_ref or "",
            [sender.id, sender.qualifier],
            [recipient.id, recipient.qualifier],
            _action(ack.interchange_status, None),
            code,
            tag,
            element,
        ],
    )


def _ucm(message: MessageAck) -> list[SegmentSpec]:
    service = next((n for n in message.segments if n.tag in SERVICE_TAGS), None)
    element = service.elements[0] if service and service.elements else None
    s011 = [str(element.position), str(element.component or "")] if element else None
    identifier = [message.message_type, *(message.implementation_ref or "").split(":")]
    code = message.error_codes[0] if message.error_codes else None
    out: list[SegmentSpec] = [
        (
            "UCM",
            [
                message.control_number,
                identifier,
                _action(message.status, message.status_code),
                code,
                service.tag if service else None,
                s011,
            ],
        )
    ]
    for note in message.segments:
        if note.tag in SERVICE_TAGS:
            continue
        out.append(("UCS", [str(note.position), note.code]))
        out.extend(("UCD", [e.code, [str(e.position), str(e.component or "")]]) for e in note.elements)
    return out


def ack_to_contrl(ack: FunctionalAck, sender: Party, recipient: Party) -> list[SegmentSpec]:
    """CONTRL body for an acknowledgement of the interchange ``sender`` sent to ``recipient``."""
    body = [_uci(ack, sender, recipient)]
    for group in ack.groups:
        if group.control_number is not None:
            body.append(
                (
                    "UCF",
                    [
                        group.control_number,
                        None,
                        None,
                        _action(group.status, group.status_code),
                        group.error_codes[0] if group.error_codes else None,
                    ],
                )
            )
        for message in group.messages:
            body.extend(_ucm(message))
    return body
