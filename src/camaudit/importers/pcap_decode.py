"""Fast, total decoding of captured frames down to TCP/UDP payloads (no exceptions: a frame
that does not decode is ``None``).

Link types: Ethernet (with 802.1Q/802.1ad tags), Linux cooked capture v1 and v2, BSD loopback,
raw IPv4/IPv6. Network: IPv4 (first fragments only), IPv6 (skipping common extension headers),
ARP. Addresses stay ``bytes`` here; they are turned into text only for evidence.
"""

from __future__ import annotations

from typing import NamedTuple

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_ARP = 0x0806
_VLAN = (0x8100, 0x88A8, 0x9100)
_IPV6_EXTENSIONS = (0, 43, 60)
TCP = 6
UDP = 17


class Frame(NamedTuple):
    """A frame's sender MAC (when the link layer has one), EtherType and network payload."""

    src_mac: bytes | None
    ethertype: int
    payload: bytes


class Segment(NamedTuple):
    """A TCP or UDP segment: addresses, ports, TCP sequence number and flags, payload."""

    proto: int
    src: bytes
    dst: bytes
    sport: int
    dport: int
    seq: int
    flags: int
    payload: bytes


def decode_link(linktype: int, data: bytes) -> Frame | None:
    """The network-layer payload of a captured frame, or None."""
    if linktype == 1:  # Ethernet
        if len(data) < 14:
            return None
        ethertype = int.from_bytes(data[12:14], "big")
        offset = 14
        while ethertype in _VLAN and len(data) >= offset + 4:
            ethertype = int.from_bytes(data[offset + 2 : offset + 4], "big")
            offset += 4
        return Frame(data[6:12], ethertype, data[offset:])
    if linktype == 113:  # Linux cooked v1
        if len(data) < 16:
            return None
        halen = int.from_bytes(data[4:6], "big")
        mac = data[6:12] if halen == 6 else None
        return Frame(mac, int.from_bytes(data[14:16], "big"), data[16:])
    if linktype == 276:  # Linux cooked v2
        if len(data) < 20:
            return None
        mac = data[12:18] if data[11] == 6 else None
        return Frame(mac, int.from_bytes(data[0:2], "big"), data[20:])
    if linktype in (0, 108):  # BSD loopback: 4-byte address family
        if len(data) < 5:
            return None
        return _raw_ip(data[4:])
    if linktype in (101, 12, 14, 228, 229):  # raw IP
        return _raw_ip(data)
    return None


def _raw_ip(data: bytes) -> Frame | None:
    version = data[0] >> 4 if data else 0
    if version == 4:
        return Frame(None, ETH_IPV4, data)
    if version == 6:
        return Frame(None, ETH_IPV6, data)
    return None


def decode_ip(ethertype: int, data: bytes) -> Segment | None:
    """The TCP/UDP segment in an IPv4/IPv6 packet, or None (other protocols, later fragments,
    truncated headers)."""
    if ethertype == ETH_IPV4:
        if len(data) < 20 or data[0] >> 4 != 4:
            return None
        ihl = (data[0] & 0x0F) * 4
        proto = data[9]
        if ihl < 20 or (proto != TCP and proto != UDP):
            return None
        if int.from_bytes(data[6:8], "big") & 0x1FFF:
            return None  # not the first fragment
        total = int.from_bytes(data[2:4], "big")
        end = total if ihl <= total <= len(data) else len(data)
        return _transport(proto, data[12:16], data[16:20], data[ihl:end])
    if ethertype == ETH_IPV6:
        if len(data) < 40 or data[0] >> 4 != 6:
            return None
        proto = data[6]
        length = int.from_bytes(data[4:6], "big")
        end = min(len(data), 40 + length) if length else len(data)
        offset = 40
        hops = 0
        while proto in _IPV6_EXTENSIONS and hops < 4 and offset + 8 <= end:
            proto = data[offset]
            offset += (data[offset + 1] + 1) * 8
            hops += 1
        if proto != TCP and proto != UDP:
            return None
        return _transport(proto, data[8:24], data[24:40], data[offset:end])
    return None


def _transport(proto: int, src: bytes, dst: bytes, data: bytes) -> Segment | None:
    if proto == UDP:
        if len(data) < 8:
            return None
        return Segment(
            UDP,
            src,
            dst,
            int.from_bytes(data[0:2], "big"),
            int.from_bytes(data[2:4], "big"),
            0,
            0,
            data[8:],
        )
    if len(data) < 20:
        return None
    offset = (data[12] >> 4) * 4
    if offset < 20:
        return None
    return Segment(
        TCP,
        src,
        dst,
        int.from_bytes(data[0:2], "big"),
        int.from_bytes(data[2:4], "big"),
        int.from_bytes(data[4:8], "big"),
        data[13],
        data[offset:],
    )


def decode_arp(data: bytes) -> tuple[bytes, bytes] | None:
    """``(sender MAC, sender IPv4)`` of an Ethernet/IPv4 ARP packet, or None."""
    if len(data) < 28 or data[0:6] != b"\x00\x01\x08\x00\x06\x04":
        return None
    return data[8:14], data[14:18]


def mac_text(mac: bytes) -> str:
    """``aa:bb:cc:dd:ee:ff``."""
    return ":".join(f"{b:02x}" for b in mac)


def is_unicast(mac: bytes) -> bool:
    """A real interface address: not multicast/broadcast, not all-zero."""
    return len(mac) == 6 and not mac[0] & 1 and mac != b"\x00" * 6
