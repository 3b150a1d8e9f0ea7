"""The ``hostile:`` section of a persona: which of its ports misbehave, and how.

Keys are keys of the persona's ``ports:``; a port listed here is served by the named behaviour
(:mod:`camaudit.lab.hostile`) instead of the protocol of the same name, so a hostile device still
opens the ports a scanner expects (80, 443, 554, 3702...). YAML shape::

    hostile:
      http:
        kind: stream          # one of KINDS (tarpit, stream, reset, tls_cert, udp_...)
        wait_request: true    # stream: read the client's request (bounded) before sending
        send: "HTTP/1.1 200 OK\\r\\n"   # template sent first (or send_b64: raw bytes)
        random: 0             # then this many random bytes
        repeat: "X-Pad: aaaa\\r\\n"     # then this, over and over...
        limit: 10485760       # ...until this many bytes in all (0: until the connection's time cap)
        rate: 1               # bytes per second (0: as fast as the client reads)
        then: hold            # close | hold (read and discard until EOF) | reset (RST)
      https:
        kind: tls_cert        # a real TLS server presenting an absurd certificate
        variant: huge         # huge | ancient | oversized | bad_version | slow
        rate: 0               # raw variants (oversized, bad_version, slow): bytes per second
        reply: "HTTP/1.1 200 OK\\r\\n..."   # sent after the handshake and the request
      wsd:
        kind: udp_flood       # many datagrams per probe, loopback sources only
        when_contains: Probe  # only datagrams containing this trigger an answer
        payload: "..."        # (or payload_b64) the datagram, plus `pad` random bytes
        reply_from: 127.254.254.3   # udp_reply: answer from this other loopback address
        count: 1000           # at most MAX_FLOOD_DATAGRAMS
        rate: 2000            # datagrams per second, at most MAX_FLOOD_RATE

``tarpit`` is a stream that sends nothing and holds; ``deaf`` accepts and never reads nor sends
(the kernel's buffers fill, then the client's writes stall); ``reset`` resets at once.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from camaudit.lab.spec_parsing import check_keys, fail, flag, mapping, number, text

KINDS: dict[str, str] = {  # behaviour -> transport
    "tarpit": "tcp",
    "deaf": "tcp",
    "stream": "tcp",
    "reset": "tcp",
    "tls_cert": "tcp",
    "udp_silent": "udp",
    "udp_reply": "udp",
    "udp_flood": "udp",
}
ENDINGS = ("close", "hold", "reset")
CERT_VARIANTS = ("huge", "ancient", "oversized", "bad_version", "slow")
MAX_FLOOD_DATAGRAMS = 1000  # per probe: proves the scanner stays bounded, never amplifies more
MAX_FLOOD_RATE = 10000.0  # datagrams per second
MAX_DATAGRAM = 1400
DEFAULT_REPLY = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_KEYS: dict[str, tuple[str, ...]] = {
    "tarpit": (),
    "deaf": (),
    "reset": (),
    "stream": ("wait_request", "send", "send_b64", "random", "repeat", "limit", "rate", "then"),
    "tls_cert": ("variant", "reply", "rate"),
    "udp_silent": (),
    "udp_reply": ("payload", "payload_b64", "when_contains", "reply_from"),
    "udp_flood": ("payload", "payload_b64", "pad", "when_contains", "count", "rate"),
}


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How one port misbehaves. Text fields are templates (rendered per device); ``*_raw``
    fields are bytes used as they are."""

    kind: str
    wait_request: bool = False
    send: str = ""
    send_raw: bytes = b""
    random: int = 0
    repeat: str = ""
    limit: int = 0
    rate: float = 0.0
    then: str = "close"
    variant: str = "huge"
    reply: str = DEFAULT_REPLY
    payload: str = ""
    payload_raw: bytes = b""
    pad: int = 0
    when_contains: str = ""
    count: int = 0
    reply_from: str = ""

    @property
    def transport(self) -> str:
        return KINDS[self.kind]

    def templates(self) -> Iterator[str]:
        yield from (self.send, self.repeat, self.reply, self.payload)


@dataclass(frozen=True, slots=True)
class HostileSpec:
    ports: Mapping[str, Behaviour]

    def templates(self) -> Iterator[str]:
        for behaviour in self.ports.values():
            yield from behaviour.templates()


def _raw(data: Mapping[str, Any], key: str, where: str) -> bytes:
    if key not in data:
        return b""
    try:
        return base64.b64decode(text(data[key], f"{where}.{key}"), validate=True)
    except binascii.Error as exc:
        raise fail(f"{where}.{key}", f"not base64: {exc}") from exc


def _whole(data: Mapping[str, Any], key: str, where: str, default: int, maximum: int) -> int:
    value = number(data, key, where, default)
    if value != int(value) or value > maximum:
        raise fail(f"{where}.{key}", f"expected a whole number from 0 to {maximum}")
    return int(value)


def _loopback(data: Mapping[str, Any], key: str, where: str) -> str:
    if key not in data:
        return ""
    value = text(data[key], f"{where}.{key}")
    try:
        ok = ipaddress.IPv4Address(value).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise fail(f"{where}.{key}", "expected an IPv4 loopback address (127.0.0.0/8)")
    return value


def _behaviour(raw: Any, where: str) -> Behaviour:
    data = mapping(raw, where)
    kind = data.get("kind")
    if kind not in KINDS:
        raise fail(f"{where}.kind", f"must be one of {sorted(KINDS)}")
    check_keys(data, ("kind", *_KEYS[kind]), where)
    if any(key in data and f"{key}_b64" in data for key in ("send", "payload")):
        raise fail(where, "give the text or the _b64 form, not both")
    then = data.get("then", "close")
    if then not in ENDINGS:
        raise fail(f"{where}.then", f"must be one of {ENDINGS}")
    variant = data.get("variant", CERT_VARIANTS[0])
    if variant not in CERT_VARIANTS:
        raise fail(f"{where}.variant", f"must be one of {CERT_VARIANTS}")
    behaviour = Behaviour(
        kind=str(kind),
        wait_request=flag(data, "wait_request", where, False),
        send=text(data.get("send", ""), f"{where}.send"),
        send_raw=_raw(data, "send_b64", where),
        random=_whole(data, "random", where, 0, 1 << 20),
        repeat=text(data.get("repeat", ""), f"{where}.repeat"),
        limit=_whole(data, "limit", where, 0, 1 << 34),
        rate=number(data, "rate", where, 0.0),
        then=str(then),
        variant=str(variant),
        reply=text(data.get("reply", DEFAULT_REPLY), f"{where}.reply"),
        payload=text(data.get("payload", ""), f"{where}.payload"),
        payload_raw=_raw(data, "payload_b64", where),
        pad=_whole(data, "pad", where, 0, MAX_DATAGRAM),
        when_contains=text(data.get("when_contains", ""), f"{where}.when_contains"),
        count=_whole(data, "count", where, 100, MAX_FLOOD_DATAGRAMS),
        reply_from=_loopback(data, "reply_from", where),
    )
    if kind == "udp_flood":
        if behaviour.rate > MAX_FLOOD_RATE:
            raise fail(f"{where}.rate", f"at most {MAX_FLOOD_RATE:g} datagrams per second")
        if not behaviour.payload and not behaviour.payload_raw and not behaviour.pad:
            raise fail(where, "a flood needs a payload or pad bytes")
    return behaviour


def parse_hostile_spec(raw: Any, where: str = "hostile") -> HostileSpec:
    """Parse and check a persona's ``hostile:`` mapping (port key -> behaviour)."""
    data = mapping(raw, where)
    if not data:
        raise fail(where, "expected at least one port key")
    return HostileSpec({str(k): _behaviour(v, f"{where}.{k}") for k, v in data.items()})
