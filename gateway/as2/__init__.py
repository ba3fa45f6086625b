"""The AS2 codec (RFC 4130, 5402, 6362): pure MIME + CMS on cryptography/asn1crypto, no I/O.

The endpoint calls :func:`unwrap` then :func:`build_mdn`; the sender calls :func:`build_message` then
:func:`parse_mdn` on the reply. Every failure is an :class:`AS2Error` naming its MDN disposition.
"""

from gateway.as2.cms import KeyPair
from gateway.as2.errors import AS2Error
from gateway.as2.inbound import InboundMessage, InboundPolicy, Payload, unwrap
from gateway.as2.mdn import Mdn, MdnRequest, ParsedMdn, build_mdn, disposition_text, parse_mdn
from gateway.as2.mime import Limits
from gateway.as2.outbound import OutboundMessage, OutboundPayload, SendOptions, build_message

__all__ = [
    "AS2Error",
    "InboundMessage",
    "InboundPolicy",
    "KeyPair",
    "Limits",
    "Mdn",
    "MdnRequest",
    "OutboundMessage",
    "OutboundPayload",
    "ParsedMdn",
    "Payload",
    "SendOptions",
    "build_mdn",
    "build_message",
    "disposition_text",
    "parse_mdn",
    "unwrap",
]
