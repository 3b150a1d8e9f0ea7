"""UDP payloads seen in a capture, turned into evidence payloads: discovery replies (SADP,
WS-Discovery, DHIP, SSDP), mDNS answers, DHCP client messages, DNS questions and answers.

Every decoder is total: a payload that does not decode gives None (captures of hostile or
broken traffic are expected), never an exception.
"""

from __future__ import annotations

import socket
import struct
from typing import NamedTuple

import dpkt

from camaudit.models import EvidenceKind

SSDP_PORT = 1900
MDNS_PORT = 5353
DNS_PORT = 53
DHCP_PORTS = (67, 68)
_DECODE_ERRORS = (
    dpkt.Error,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    UnicodeError,
    RecursionError,
    OSError,
)
_MAX_RECORDS = 64


def discovery_kind(sport: int, dport: int, payload: bytes) -> EvidenceKind | None:
    """The evidence kind of a device's discovery reply or announcement, or None for requests
    and anything else. Recognised by content on any port (devices and test labs answer from
    other ports too): SADP and WS-Discovery matches, DHIP replies, SSDP answers/notifications."""
    head = payload[:16]
    if head.startswith(b"<") or b"<?xml" in head:
        if b"<ProbeMatch>" in payload and (
            b"<DeviceSN>" in payload or b"<DeviceDescription>" in payload
        ):
            return EvidenceKind.SADP
        if b"ProbeMatches" in payload or b"discovery/Hello" in payload:
            return EvidenceKind.WSD_PROBEMATCH
        return None
    if payload[4:8] == b"DHIP" or head.startswith(b"{"):
        if b"notifyDevInfo" in payload or b'"deviceInfo"' in payload:
            return EvidenceKind.DHIP
        return None
    upper = head.upper()
    if upper.startswith(b"NOTIFY * HTTP/"):
        return EvidenceKind.UPNP
    if upper.startswith(b"HTTP/1.1 200") and (
        SSDP_PORT in (sport, dport) or b"\nUSN:" in payload[:2048].upper()
    ):
        return EvidenceKind.UPNP
    return None


def _name(value: object) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return "".join(c for c in text if c.isprintable()).rstrip(".")[:255]


def mdns_answer(payload: bytes) -> str | None:
    """``service=``/``instance=``/``hostname=``/``txt.<key>=`` lines from an mDNS response."""
    try:
        msg = dpkt.dns.DNS(payload)
    except _DECODE_ERRORS:
        return None
    if not msg.qr:
        return None
    lines: list[str] = []
    try:
        for rr in (msg.an + msg.ar)[:_MAX_RECORDS]:
            name = _name(rr.name)
            if rr.type == dpkt.dns.DNS_PTR:
                target = _name(rr.ptrname)
                if name.endswith((".in-addr.arpa", ".ip6.arpa")) or "_services._dns-sd" in name:
                    continue
                lines.append(f"service={name}")
                instance = target[: -len(name) - 1] if target.endswith("." + name) else target
                lines.append(f"instance={instance}")
            elif rr.type == dpkt.dns.DNS_SRV:
                lines.append(f"hostname={_name(rr.srvname)}")
            elif rr.type == dpkt.dns.DNS_TXT:
                for entry in list(rr.text)[:_MAX_RECORDS]:
                    key, sep, value = _name(entry).partition("=")
                    if sep and key:
                        lines.append(f"txt.{key.lower()}={value}")
            elif rr.type in (dpkt.dns.DNS_A, dpkt.dns.DNS_AAAA) and name.endswith(".local"):
                lines.append(f"hostname={name}")
    except _DECODE_ERRORS:
        return None
    unique = list(dict.fromkeys(lines))
    return "\n".join(unique) + "\n" if unique else None


class DnsMessage(NamedTuple):
    """A DNS message: whether it is a response, its questions, and (name, address) answers."""

    response: bool
    questions: list[str]
    answers: list[tuple[str, bytes]]


def dns_message(payload: bytes) -> DnsMessage | None:
    """Questions and address answers of a DNS message, or None."""
    try:
        msg = dpkt.dns.DNS(payload)
        questions = [_name(q.name) for q in msg.qd[:_MAX_RECORDS]]
        answers = [
            (_name(rr.name), bytes(rr.ip if rr.type == dpkt.dns.DNS_A else rr.ip6))
            for rr in msg.an[:_MAX_RECORDS]
            if rr.type in (dpkt.dns.DNS_A, dpkt.dns.DNS_AAAA)
        ]
    except _DECODE_ERRORS:
        return None
    return DnsMessage(bool(msg.qr), questions, answers)


class DhcpMessage(NamedTuple):
    """What a DHCP message says about its client."""

    client: bool
    mac: bytes
    ip: str | None
    text: str | None


def dhcp_message(payload: bytes) -> DhcpMessage | None:
    """The client MAC, its address, and for client messages the ``hostname=`` /
    ``vendor_class=`` / ``param_list=`` lines of a DHCP message; None if it does not decode."""
    try:
        msg = dpkt.dhcp.DHCP(payload)
        options = {code: bytes(value) for code, value in list(msg.opts)[:_MAX_RECORDS]}
    except _DECODE_ERRORS:
        return None
    if msg.hrd != 1 or msg.hln != 6:
        return None
    mac = bytes(msg.chaddr[:6])
    msg_type = options.get(53, b"\x00")[:1]
    client = msg.op == 1
    ip: str | None = None
    if client:
        if msg.ciaddr:
            ip = socket.inet_ntoa(struct.pack(">I", msg.ciaddr))
        elif len(options.get(50, b"")) == 4:
            ip = socket.inet_ntoa(options[50])
    elif msg_type == b"\x05" and msg.yiaddr:  # ACK: the address given to this MAC
        ip = socket.inet_ntoa(struct.pack(">I", msg.yiaddr))
    text = None
    if client:
        lines = []
        if 12 in options:
            lines.append(f"hostname={_name(options[12])}")
        if 60 in options:
            lines.append(f"vendor_class={_name(options[60])}")
        if 55 in options:
            lines.append("param_list=" + ",".join(str(b) for b in options[55][:64]))
        if lines:
            text = "\n".join(lines) + "\n"
    return DhcpMessage(client, mac, ip, text)
