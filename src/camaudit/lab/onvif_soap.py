"""SOAP 1.2 for the lab's ONVIF device service: reading requests, WS-UsernameToken checks,
envelopes and faults.

Requests are untrusted: they are size-capped by the HTTP server, parsed with ``defusedxml``
(no DTDs, no entities) and read by local element names only. Nothing here raises on bad input:
:func:`parse_request` returns None for anything that is not a SOAP envelope with a body.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
NAMESPACES = {
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xsd": "http://www.w3.org/2001/XMLSchema",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsdd": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "ter": "http://www.onvif.org/ver10/error",
    "dn": "http://www.onvif.org/ver10/network/wsdl",
}
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class UsernameToken:
    username: str
    password: str
    password_type: str
    nonce: str
    created: str


@dataclass(frozen=True, slots=True)
class SoapRequest:
    operation: str  # local name of the first element in the body
    namespace: str  # its namespace URI ("" if none)
    token: UsernameToken | None
    message_id: str


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _child(parent: Element, local: str) -> Element | None:
    for element in parent:
        if _split(element.tag)[1] == local:
            return element
    return None


def _text(parent: Element | None, local: str) -> str:
    if parent is None:
        return ""
    found = _child(parent, local)
    return (found.text or "").strip() if found is not None else ""


def _depth(element: Element, limit: int) -> bool:
    """True if the tree is no deeper than ``limit`` (iterative: no recursion on hostile input)."""
    stack = [(element, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return False
        stack.extend((child, level + 1) for child in node)
    return True


def parse_xml(body: bytes) -> Element | None:
    """A safely parsed document, or None (malformed, DTD/entities, too deep)."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (
        SafeET.ParseError,
        DefusedXmlException,
        ValueError,
        UnicodeDecodeError,
        LookupError,  # an encoding declaration naming no codec
        RecursionError,
    ):
        return None
    if not isinstance(root, Element) or not _depth(root, MAX_DEPTH):
        return None
    return root


def parse_request(body: bytes) -> SoapRequest | None:
    """The operation and credentials of a SOAP 1.1/1.2 request, or None if it is not one."""
    root = parse_xml(body)
    if root is None or _split(root.tag)[1] != "Envelope":
        return None
    soap_body = _child(root, "Body")
    if soap_body is None or len(soap_body) == 0:
        return None
    namespace, operation = _split(soap_body[0].tag)
    header = _child(root, "Header")
    token = None
    message_id = ""
    if header is not None:
        message_id = _text(header, "MessageID")
        security = _child(header, "Security")
        username_token = _child(security, "UsernameToken") if security is not None else None
        if username_token is not None:
            password = _child(username_token, "Password")
            token = UsernameToken(
                username=_text(username_token, "Username"),
                password=(password.text or "") if password is not None else "",
                password_type=(password.get("Type") or "") if password is not None else "",
                nonce=_text(username_token, "Nonce"),
                created=_text(username_token, "Created"),
            )
    return SoapRequest(operation, namespace, token, message_id)


def password_digest(nonce_b64: str, created: str, password: str) -> str:
    """WS-Security PasswordDigest: Base64(SHA-1(nonce bytes + created + password))."""
    nonce = base64.b64decode(nonce_b64, validate=True)
    raw = hashlib.sha1(nonce + created.encode() + password.encode(), usedforsecurity=False)
    return base64.b64encode(raw.digest()).decode()


def _parse_time(value: str) -> dt.datetime | None:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def verify_token(
    token: UsernameToken, *, username: str, password: str, now: dt.datetime, max_age: float
) -> bool:
    """A PasswordDigest token with the right credentials, a nonce and a fresh Created time.

    ONVIF requires both nonce and created (protocols.md 3.3); a plain-text password is refused.
    """
    if token.username != username or not token.nonce or not token.created:
        return False
    if not token.password_type.endswith("#PasswordDigest"):
        return False
    created = _parse_time(token.created)
    if created is None or abs((now - created).total_seconds()) > max_age:
        return False
    try:
        expected = password_digest(token.nonce, token.created, password)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(expected.encode(), token.password.strip().encode())


def envelope(prefix: str, body: str, header: str = "") -> bytes:
    """A SOAP 1.2 envelope declaring the ONVIF namespaces, with ``body`` (and ``header``)."""
    declarations = " ".join(f'xmlns:{k}="{v}"' for k, v in NAMESPACES.items())
    head = f"<{prefix}:Header>{header}</{prefix}:Header>" if header else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{prefix}:Envelope xmlns:{prefix}="{SOAP12}" {declarations}>'
        f"{head}<{prefix}:Body>{body}</{prefix}:Body></{prefix}:Envelope>\n"
    ).encode()


def fault(prefix: str, code: str, subcode: str | None, reason: str) -> bytes:
    """A SOAP 1.2 fault (``code`` is Sender or Receiver; ``subcode`` a ``ter:`` QName)."""
    sub = ""
    if subcode:
        sub = f"<{prefix}:Subcode><{prefix}:Value>{subcode}</{prefix}:Value></{prefix}:Subcode>"
    body = (
        f"<{prefix}:Fault><{prefix}:Code><{prefix}:Value>{prefix}:{code}</{prefix}:Value>{sub}"
        f'</{prefix}:Code><{prefix}:Reason><{prefix}:Text xml:lang="en">{escape(reason)}'
        f"</{prefix}:Text></{prefix}:Reason></{prefix}:Fault>"
    )
    return envelope(prefix, body)
