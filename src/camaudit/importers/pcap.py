"""Passive captures (pcap / pcapng), streamed packet by packet in bounded memory.

Evidence read from a capture:

- discovery replies and announcements by UDP port: SADP (37020) ``sadp``, WS-Discovery (3702)
  ``wsd_probematch``, DHIP (37810) ``dhip``, SSDP (1900) ``upnp``, mDNS (5353) ``mdns``;
- HTTP and RTSP server replies (``http``/``rtsp``), from the first 64 KiB of each server stream
  (see :mod:`camaudit.importers.pcap_tcp`), with the request line that asked for them;
- TLS server certificates (``tls``) from TLS 1.2 and older handshakes (TLS 1.3 encrypts them);
- DHCP client messages (``dhcp``: host name, vendor class, parameter list, client MAC);
- DNS questions for, TLS server names of, and connections to vendor cloud/P2P services
  (:mod:`camaudit.importers.clouds`) as ``hostname`` evidence on the asking device;
- each MAC address with its IPv4 address (``mac``), from ARP, DHCP and IPv4 sources. A MAC seen
  as the source of many addresses is a router's and is not tied to any of them.

Identical observations (a device announcing itself every few seconds) are kept once; at most
:data:`MAX_REPLIES_PER_ENDPOINT` reply streams are kept per server address and port.
"""

from __future__ import annotations

import hashlib
import socket
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from camaudit.importers.base import make_evidence, parse_timestamp, source_label
from camaudit.importers.clouds import cloud_domain
from camaudit.importers.pcap_decode import (
    ETH_ARP,
    ETH_IPV4,
    TCP,
    Segment,
    decode_arp,
    decode_ip,
    decode_link,
    is_unicast,
    mac_text,
)
from camaudit.importers.pcap_reader import iter_packets
from camaudit.importers.pcap_tcp import (
    MAX_STREAMS,
    Stream,
    StreamKey,
    StreamTable,
    client_server_name,
    reply_messages,
    server_certificate,
)
from camaudit.importers.pcap_udp import (
    DHCP_PORTS,
    DNS_PORT,
    MDNS_PORT,
    dhcp_message,
    discovery_kind,
    dns_message,
    mdns_answer,
)
from camaudit.importers.shapes import pem_from_der
from camaudit.models import Evidence, EvidenceKind

MAX_REPLIES_PER_ENDPOINT = 16
#: A MAC that sources more IPv4 addresses than this is a router's.
ROUTER_ADDRESSES = 4
_MAX_TRACKED = 65536
_REQUEST_PREFIXES = frozenset(
    {b"GET ", b"POST", b"HEAD", b"PUT ", b"OPTI", b"DESC", b"SETU", b"PLAY", b"GET_", b"DELE"}
)
_SYN_ONLY = 0x02
_UNSPECIFIED = frozenset({b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"})


def _ip_text(raw: bytes) -> str:
    if len(raw) == 4:
        return socket.inet_ntoa(raw)
    return socket.inet_ntop(socket.AF_INET6, raw)


class _Bounded(OrderedDict[object, object]):
    """A dict that forgets its oldest entries beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: object, value: object = True) -> bool:
        """Store ``key``; returns False if it was already there."""
        if key in self:
            return False
        self[key] = value
        if len(self) > self.limit:
            self.popitem(last=False)
        return True


class PcapImporter:
    """Passive pcap/pcapng captures."""

    name = "pcap"
    description = "passive capture (pcap or pcapng): discovery, HTTP/RTSP replies, TLS, DHCP, DNS"

    def __init__(self, max_streams: int = MAX_STREAMS) -> None:
        self.max_streams = max_streams

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence of a capture, packet by packet; streams still open and MAC/IP
        pairs seen as IPv4 sources come at the end."""
        capture = _Capture(path, self.max_streams)
        packet = capture.packet
        for number, ts, linktype, data in iter_packets(path):
            found = packet(number, ts, linktype, data)
            if found:
                yield from found
        yield from capture.finish()


class _Capture:
    """State carried across the packets of one capture."""

    def __init__(self, path: Path, max_streams: int) -> None:
        self.path = path
        self.streams = StreamTable(max_streams)
        self.requests = _Bounded(4096)
        self.seen = _Bounded(_MAX_TRACKED)
        self.replies: dict[tuple[bytes, int], int] = {}
        self.cloud_ips = _Bounded(_MAX_TRACKED)
        self.mac_ips: dict[bytes, tuple[int, set[bytes]]] = {}
        self.explicit_pairs = _Bounded(_MAX_TRACKED)
        #: TLS 1.3 handshakes seen (their certificates are encrypted, so not imported).
        self.tls13_handshakes = 0

    def _evidence(
        self,
        kind: EvidenceKind,
        payload: bytes | str,
        number: int,
        detail: str,
        *,
        ip: str | None = None,
        port: int | None = None,
        mac: str | None = None,
        ts: float | None = None,
    ) -> Evidence:
        when = parse_timestamp(ts) if ts else None  # None when out of datetime's range
        source = source_label("pcap", self.path, f"packet {number}", detail)
        return make_evidence(kind, payload, source, ip=ip, port=port, mac=mac, ts=when)

    def packet(self, number: int, ts: float, linktype: int, data: bytes) -> list[Evidence] | None:
        """The evidence one packet completes (most packets complete none)."""
        frame = decode_link(linktype, data)
        if frame is None:
            return None
        if frame.ethertype == ETH_ARP:
            arp = decode_arp(frame.payload)
            return self._pair(arp[0], arp[1], number, ts, "arp") if arp else None
        seg = decode_ip(frame.ethertype, frame.payload)
        if seg is None:
            return None
        if frame.src_mac is not None and frame.ethertype == ETH_IPV4:
            self._note_source(frame.src_mac, seg.src, number)
        if seg.proto == TCP:
            return self._tcp(seg, number, ts)
        return self._udp(seg, number, ts)

    def _note_source(self, mac: bytes, ip: bytes, number: int) -> None:
        entry = self.mac_ips.get(mac)
        if entry is None:
            if len(self.mac_ips) < _MAX_TRACKED and ip not in _UNSPECIFIED and is_unicast(mac):
                self.mac_ips[mac] = (number, {ip})
        elif len(entry[1]) <= ROUTER_ADDRESSES and ip not in entry[1] and ip not in _UNSPECIFIED:
            entry[1].add(ip)

    def _pair(
        self, mac: bytes, ip: bytes | None, number: int, ts: float | None, how: str
    ) -> list[Evidence] | None:
        if not is_unicast(mac) or ip in _UNSPECIFIED:
            return None
        if not self.explicit_pairs.remember((mac, ip)):
            return None
        text = mac_text(mac)
        address = _ip_text(ip) if ip else None
        return [self._evidence(EvidenceKind.MAC, text, number, how, ip=address, mac=text, ts=ts)]

    # --- TCP -------------------------------------------------------------------------------

    def _tcp(self, seg: Segment, number: int, ts: float) -> list[Evidence] | None:
        out: list[Evidence] = []
        payload = seg.payload
        if payload:
            if payload[:4] in _REQUEST_PREFIXES:
                line = payload[: payload.find(b"\r\n", 0, 512)].decode("latin-1")[:200]
                self.requests[(seg.dst, seg.dport, seg.src, seg.sport)] = line
                if len(self.requests) > self.requests.limit:
                    self.requests.popitem(last=False)
            elif payload[0] == 22 and len(payload) > 5 and payload[5] == 1:
                name = client_server_name(payload)
                if name and cloud_domain(name):
                    out.extend(self._cloud(seg.src, name, number, ts, f"tls-sni {name}"))
        if seg.flags & 0x12 == _SYN_ONLY and seg.dst in self.cloud_ips:
            out.extend(self._flow(seg, number, ts, "tcp"))
        key = (seg.src, seg.sport, seg.dst, seg.dport)
        for done_key, stream in self.streams.feed(key, seg.seq, seg.flags, payload, ts, number):
            out.extend(self._stream(done_key, stream))
        return out

    def _stream(self, key: StreamKey, stream: Stream) -> list[Evidence]:
        src, sport, _dst, _dport = key
        request = self.requests.pop(key, None)
        count = self.replies.get((src, sport), 0)
        if count >= MAX_REPLIES_PER_ENDPOINT:
            return []
        if len(self.replies) >= _MAX_TRACKED:
            self.replies.clear()
        self.replies[(src, sport)] = count + 1
        ip = _ip_text(src)
        data = bytes(stream.data)
        if data[:1] == b"\x16":
            der, tls13 = server_certificate(data)
            if tls13:
                self.tls13_handshakes += 1
            if der is None or not self.seen.remember(
                ("tls", src, sport, hashlib.sha256(der).digest())
            ):
                return []
            return [
                self._evidence(
                    EvidenceKind.TLS,
                    pem_from_der(der),
                    stream.number,
                    "tls certificate",
                    ip=ip,
                    port=sport,
                    ts=stream.ts,
                )
            ]
        kind = EvidenceKind.RTSP if data.startswith(b"RTSP/") else EvidenceKind.HTTP
        asked = f" to {request}" if request else ""
        return [
            self._evidence(
                kind,
                message,
                stream.number,
                f"{kind.value} reply{asked}",
                ip=ip,
                port=sport,
                ts=stream.ts,
            )
            for message in reply_messages(data)
        ]

    # --- UDP -------------------------------------------------------------------------------

    def _udp(self, seg: Segment, number: int, ts: float) -> list[Evidence] | None:
        sport, dport, payload = seg.sport, seg.dport, seg.payload
        out: list[Evidence] | None = None
        if seg.dst in self.cloud_ips:
            out = self._flow(seg, number, ts, "udp")
        if not payload:
            return out
        if DNS_PORT in (sport, dport):
            found = self._dns(seg, number, ts)
        elif MDNS_PORT in (sport, dport):
            found = self._once(EvidenceKind.MDNS, seg, mdns_answer(payload), number, ts, "mdns")
        elif sport in DHCP_PORTS and dport in DHCP_PORTS:
            found = self._dhcp(seg, number, ts)
        else:
            kind = discovery_kind(sport, dport, payload)
            found = self._once(kind, seg, payload, number, ts, kind.value) if kind else None
        if found:
            out = (out or []) + found
        return out

    def _once(
        self,
        kind: EvidenceKind,
        seg: Segment,
        payload: bytes | str | None,
        number: int,
        ts: float,
        detail: str,
    ) -> list[Evidence] | None:
        if payload is None or not self.seen.remember((kind, seg.src, hash(payload))):
            return None
        return [
            self._evidence(
                kind, payload, number, f"udp/{seg.sport} {detail}", ip=_ip_text(seg.src), ts=ts
            )
        ]

    def _dns(self, seg: Segment, number: int, ts: float) -> list[Evidence] | None:
        msg = dns_message(seg.payload)
        if msg is None:
            return None
        if msg.response:
            asked = next((q for q in msg.questions if cloud_domain(q)), None)
            for name, address in msg.answers:
                if asked or cloud_domain(name):
                    self.cloud_ips.remember(address, asked or name)
            return None
        out: list[Evidence] = []
        for question in msg.questions:
            if cloud_domain(question):
                out.extend(self._cloud(seg.src, question, number, ts, f"dns-query {question}"))
        return out or None

    def _cloud(
        self, device: bytes, name: str, number: int, ts: float, detail: str
    ) -> list[Evidence]:
        if not self.seen.remember(("cloud", device, name)):
            return []
        return [
            self._evidence(EvidenceKind.HOSTNAME, name, number, detail, ip=_ip_text(device), ts=ts)
        ]

    def _flow(self, seg: Segment, number: int, ts: float, proto: str) -> list[Evidence]:
        name = str(self.cloud_ips.get(seg.dst, ""))
        if not name or not self.seen.remember(("flow", seg.src, seg.dst, proto, seg.dport)):
            return []
        detail = f"flow {proto}/{seg.dport} to {name} ({_ip_text(seg.dst)})"
        return [
            self._evidence(EvidenceKind.HOSTNAME, name, number, detail, ip=_ip_text(seg.src), ts=ts)
        ]

    def _dhcp(self, seg: Segment, number: int, ts: float) -> list[Evidence] | None:
        msg = dhcp_message(seg.payload)
        if msg is None or not is_unicast(msg.mac):
            return None
        ip = msg.ip
        if ip is None and msg.client and seg.src not in _UNSPECIFIED:
            ip = _ip_text(seg.src)
        out: list[Evidence] = []
        mac = mac_text(msg.mac)
        if msg.text and self.seen.remember(("dhcp", msg.mac, msg.text)):
            payload = msg.text + f"mac={mac}\n"
            out.append(
                self._evidence(EvidenceKind.DHCP, payload, number, "dhcp", ip=ip, mac=mac, ts=ts)
            )
        if ip is not None:
            out.extend(self._pair(msg.mac, socket.inet_aton(ip), number, ts, "dhcp") or [])
        return out or None

    # --- end of capture --------------------------------------------------------------------

    def finish(self) -> Iterator[Evidence]:
        """Evidence left at the end of the capture: open streams, IPv4-source MAC pairs."""
        for key, stream in self.streams.drain():
            yield from self._stream(key, stream)
        for mac, (number, ips) in self.mac_ips.items():
            if len(ips) > ROUTER_ADDRESSES:
                continue
            for ip in sorted(ips):
                if (mac, ip) in self.explicit_pairs:
                    continue
                text = mac_text(mac)
                yield self._evidence(
                    EvidenceKind.MAC, text, number, "ipv4 source", ip=_ip_text(ip), mac=text
                )
