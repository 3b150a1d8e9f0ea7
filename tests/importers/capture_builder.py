"""Build captures for the pcap tests with dpkt: Ethernet/IPv4 frames, TCP and UDP segments, TLS
handshake records, DNS/mDNS/DHCP messages; written as pcap or pcapng."""

from __future__ import annotations

import datetime as dt
import socket
import struct
from pathlib import Path

import dpkt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
CLIENT_MAC = bytes.fromhex("3c5282aabb05")
ROUTER_MAC = bytes.fromhex("001b213a4f01")


def mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", "").replace("-", ""))


def ether(src_mac: bytes, dst_mac: bytes, ip: dpkt.ip.IP) -> bytes:
    return bytes(dpkt.ethernet.Ethernet(src=src_mac, dst=dst_mac, type=0x0800, data=ip))


def udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> dpkt.ip.IP:
    segment = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    segment.ulen = len(segment)
    return dpkt.ip.IP(
        src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=dpkt.ip.IP_PROTO_UDP, data=segment
    )


def tcp(
    src: str, dst: str, sport: int, dport: int, seq: int, flags: int, payload: bytes = b""
) -> dpkt.ip.IP:
    segment = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, flags=flags, data=payload)
    return dpkt.ip.IP(
        src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=dpkt.ip.IP_PROTO_TCP, data=segment
    )


def arp_reply(sender_mac: bytes, sender_ip: str, target_mac: bytes, target_ip: str) -> bytes:
    body = dpkt.arp.ARP(
        op=dpkt.arp.ARP_OP_REPLY,
        sha=sender_mac,
        spa=socket.inet_aton(sender_ip),
        tha=target_mac,
        tpa=socket.inet_aton(target_ip),
    )
    return bytes(dpkt.ethernet.Ethernet(src=sender_mac, dst=target_mac, type=0x0806, data=body))


def write_pcap(path: Path, frames: list[bytes], *, start: float = 1710409211.0) -> Path:
    with path.open("wb") as fh:
        writer = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for n, frame in enumerate(frames):
            writer.writepkt(frame, ts=start + n * 0.001)
    return path


def write_pcapng(path: Path, frames: list[bytes], *, start: float = 1710409211.0) -> Path:
    with path.open("wb") as fh:
        writer = dpkt.pcapng.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for n, frame in enumerate(frames):
            writer.writepkt(frame, ts=start + n * 0.001)
    return path


# --- TLS --------------------------------------------------------------------------------


def self_signed_der(common_name: str, organisation: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1F2E3D)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def _handshake(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(3, "big") + body


def _record(handshakes: bytes) -> bytes:
    return b"\x16\x03\x03" + len(handshakes).to_bytes(2, "big") + handshakes


def _extension(kind: int, body: bytes) -> bytes:
    return kind.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def server_hello(tls13: bool = False) -> bytes:
    extensions = _extension(0x002B, b"\x03\x04") if tls13 else b""
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2f" + b"\x00"
    body += len(extensions).to_bytes(2, "big") + extensions
    return _handshake(2, body)


def certificate(der: bytes) -> bytes:
    entry = len(der).to_bytes(3, "big") + der
    return _handshake(11, len(entry).to_bytes(3, "big") + entry)


def tls12_server_flight(der: bytes) -> bytes:
    """ServerHello, Certificate and ServerHelloDone in one record."""
    return _record(server_hello() + certificate(der) + _handshake(14, b""))


def tls13_server_flight() -> bytes:
    """ServerHello (TLS 1.3) followed by an encrypted record."""
    return _record(server_hello(tls13=True)) + b"\x17\x03\x03\x00\x20" + bytes(32)


def client_hello(server_name: str) -> bytes:
    name = server_name.encode()
    sni = _extension(
        0, (len(name) + 3).to_bytes(2, "big") + b"\x00" + len(name).to_bytes(2, "big") + name
    )
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += len(sni).to_bytes(2, "big") + sni
    return _record(_handshake(1, body))


# --- DNS, mDNS, DHCP -------------------------------------------------------------------------


def dns_query(name: str, ident: int = 0x2A01) -> bytes:
    msg = dpkt.dns.DNS(id=ident, qd=[dpkt.dns.DNS.Q(name=name, type=dpkt.dns.DNS_A)])
    return bytes(msg)


def dns_answer(name: str, address: str, ident: int = 0x2A01) -> bytes:
    answer = dpkt.dns.DNS.RR(name=name, type=dpkt.dns.DNS_A, ttl=60, ip=socket.inet_aton(address))
    answer.rlen = 4
    msg = dpkt.dns.DNS(
        id=ident,
        op=dpkt.dns.DNS_QR | dpkt.dns.DNS_RA,
        qd=[dpkt.dns.DNS.Q(name=name, type=dpkt.dns.DNS_A)],
        an=[answer],
    )
    return bytes(msg)


def mdns_axis_answer(model: str, mac_plain: str, address: str) -> bytes:
    service = "_axis-video._tcp.local"
    instance = f"AXIS {model} - {mac_plain}.{service}"
    host = f"axis-{mac_plain.lower()}.local"
    ptr = dpkt.dns.DNS.RR(name=service, type=dpkt.dns.DNS_PTR, ttl=4500, ptrname=instance)
    srv = dpkt.dns.DNS.RR(
        name=instance, type=dpkt.dns.DNS_SRV, ttl=120, srvname=host, port=80, priority=0, weight=0
    )
    txt = dpkt.dns.DNS.RR(
        name=instance, type=dpkt.dns.DNS_TXT, ttl=4500, text=[f"macaddress={mac_plain}".encode()]
    )
    a = dpkt.dns.DNS.RR(name=host, type=dpkt.dns.DNS_A, ttl=120, ip=socket.inet_aton(address))
    msg = dpkt.dns.DNS(id=0, op=dpkt.dns.DNS_QR | dpkt.dns.DNS_AA, an=[ptr], ar=[srv, txt, a])
    return bytes(msg)


def dhcp_discover(client_mac: bytes, hostname: str, vendor_class: str) -> bytes:
    msg = dpkt.dhcp.DHCP(
        op=dpkt.dhcp.DHCP_OP_REQUEST,
        chaddr=client_mac + bytes(10),
        xid=0x3903F326,
        opts=[
            (dpkt.dhcp.DHCP_OPT_MSGTYPE, bytes([dpkt.dhcp.DHCPDISCOVER])),
            (dpkt.dhcp.DHCP_OPT_HOSTNAME, hostname.encode()),
            (dpkt.dhcp.DHCP_OPT_VENDOR_ID, vendor_class.encode()),
            (dpkt.dhcp.DHCP_OPT_PARAM_REQ, bytes([1, 3, 6, 12, 15, 28, 42])),
        ],
    )
    return bytes(msg)


def dhcp_ack(client_mac: bytes, address: str) -> bytes:
    msg = dpkt.dhcp.DHCP(
        op=dpkt.dhcp.DHCP_OP_REPLY,
        chaddr=client_mac + bytes(10),
        xid=0x3903F326,
        yiaddr=struct.unpack(">I", socket.inet_aton(address))[0],
        opts=[(dpkt.dhcp.DHCP_OPT_MSGTYPE, bytes([dpkt.dhcp.DHCPACK]))],
    )
    return bytes(msg)
