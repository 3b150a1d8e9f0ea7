"""The pcap importer on a capture of a small site (built with dpkt from hand-written device
payloads), on a real third-party capture from the corpus, and on hostile files."""

from __future__ import annotations

import contextlib
import functools
import json
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import PcapImporter, detect_format
from camaudit.importers.pcap import MAX_REPLIES_PER_ENDPOINT
from camaudit.models import EvidenceKind
from tests.importers import capture_builder as cb
from tests.importers.conftest import CORPUS, FIXTURES, makers

PAYLOADS = FIXTURES / "pcap"
CLIENT = "10.90.1.5"
HIK, DAHUA_WSD, DAHUA_DHIP, AXIS, EZVIZ, TLS13 = (
    "10.90.1.21",
    "10.90.1.37",
    "10.90.1.38",
    "10.90.1.52",
    "10.90.1.60",
    "10.90.1.53",
)
HIK_MAC = cb.mac("44:19:b6:2a:10:3c")
DAHUA_MAC = cb.mac("e0:50:8b:12:9a:37")
AXIS_MAC = cb.mac("ac:cc:8e:4f:1a:2b")
EZVIZ_MAC = cb.mac("64:f2:fb:10:20:30")
CLOUD_IP = "203.0.113.50"


def _udp(src_mac: bytes, src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    return cb.ether(src_mac, cb.CLIENT_MAC, cb.udp(src, dst, sport, dport, payload))


def _tcp(
    src_mac: bytes,
    src: str,
    dst: str,
    sport: int,
    dport: int,
    seq: int,
    flags: int,
    data: bytes = b"",
) -> bytes:
    return cb.ether(src_mac, cb.CLIENT_MAC, cb.tcp(src, dst, sport, dport, seq, flags, data))


@functools.cache
def _site_frames() -> tuple[bytes, ...]:
    return tuple(_build_site_frames())


def site_frames() -> list[bytes]:
    """The site capture's frames (built once: the certificate key is random)."""
    return list(_site_frames())


def _build_site_frames() -> list[bytes]:
    """A capture of a site: discovery, DHCP, DNS to a vendor cloud, HTTP/RTSP/TLS replies."""
    http = (PAYLOADS / "http_hikvision_401.http").read_bytes()
    rtsp = (PAYLOADS / "rtsp_dahua_401.txt").read_bytes()
    axis_der = cb.self_signed_der("axis-accc8e4f1a2b", "Axis Communications AB")
    tls = cb.tls12_server_flight(axis_der)
    frames = [
        cb.arp_reply(HIK_MAC, HIK, cb.CLIENT_MAC, CLIENT),
        # SADP: the client's inquiry (ignored) and the camera's ProbeMatch
        _udp(
            cb.CLIENT_MAC,
            CLIENT,
            "239.255.255.250",
            37020,
            37020,
            b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>8282F1DB</Uuid><Types>inquiry</Types></Probe>',
        ),
        _udp(
            HIK_MAC,
            HIK,
            "239.255.255.250",
            37020,
            37020,
            (PAYLOADS / "sadp_probematch.xml").read_bytes(),
        ),
        _udp(
            HIK_MAC,
            HIK,
            "239.255.255.250",
            37020,
            37020,
            (PAYLOADS / "sadp_probematch.xml").read_bytes(),
        ),
        _udp(
            DAHUA_MAC,
            DAHUA_WSD,
            CLIENT,
            3702,
            51011,
            (PAYLOADS / "wsd_probematch.xml").read_bytes(),
        ),
        _udp(
            cb.mac("38:af:29:5c:0e:91"),
            DAHUA_DHIP,
            CLIENT,
            37810,
            51012,
            b" \x00\x00\x00DHIP" + bytes(24) + (PAYLOADS / "dhip_notifydevinfo.json").read_bytes(),
        ),
        _udp(AXIS_MAC, AXIS, CLIENT, 1900, 51013, (PAYLOADS / "ssdp_axis.txt").read_bytes()),
        _udp(
            AXIS_MAC,
            AXIS,
            "224.0.0.251",
            5353,
            5353,
            cb.mdns_axis_answer("P3245-LVE", "ACCC8E4F1A2B", AXIS),
        ),
        # DHCP: an EZVIZ camera asks, the server acknowledges
        _udp(
            EZVIZ_MAC,
            "0.0.0.0",
            "255.255.255.255",
            68,
            67,
            cb.dhcp_discover(EZVIZ_MAC, "C6N-F12345678", "udhcp 1.29.3"),
        ),
        _udp(cb.ROUTER_MAC, "10.90.1.1", "255.255.255.255", 67, 68, cb.dhcp_ack(EZVIZ_MAC, EZVIZ)),
        # it resolves its cloud, connects (TCP and UDP) and sends a TLS ClientHello
        _udp(EZVIZ_MAC, EZVIZ, "10.90.1.1", 40001, 53, cb.dns_query("litedev.ezvizlife.com")),
        _udp(
            cb.ROUTER_MAC,
            "10.90.1.1",
            EZVIZ,
            53,
            40001,
            cb.dns_answer("litedev.ezvizlife.com", CLOUD_IP),
        ),
        _tcp(EZVIZ_MAC, EZVIZ, CLOUD_IP, 40100, 8666, 1000, cb.SYN),
        _udp(EZVIZ_MAC, EZVIZ, CLOUD_IP, 40101, 6002, b"\x00\x01stun"),
        _tcp(
            EZVIZ_MAC,
            EZVIZ,
            "203.0.113.51",
            40102,
            443,
            5000,
            cb.PSH | cb.ACK,
            cb.client_hello("dev.ezvizlife.com"),
        ),
        # HTTP: request, then the reply in three segments, the last two out of order, the first
        # retransmitted
        _tcp(
            cb.CLIENT_MAC,
            CLIENT,
            HIK,
            50000,
            80,
            100,
            cb.PSH | cb.ACK,
            b"GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: 10.90.1.21\r\n\r\n",
        ),
        _tcp(HIK_MAC, HIK, CLIENT, 80, 50000, 9000, cb.ACK, http[:150]),
        _tcp(HIK_MAC, HIK, CLIENT, 80, 50000, 9000 + 300, cb.PSH | cb.ACK, http[300:]),
        _tcp(HIK_MAC, HIK, CLIENT, 80, 50000, 9000, cb.ACK, http[:150]),
        _tcp(HIK_MAC, HIK, CLIENT, 80, 50000, 9000 + 150, cb.ACK, http[150:300]),
        _tcp(HIK_MAC, HIK, CLIENT, 80, 50000, 9000 + len(http), cb.FIN | cb.ACK),
        _tcp(DAHUA_MAC, DAHUA_WSD, CLIENT, 554, 50001, 7000, cb.PSH | cb.ACK, rtsp),
        # TLS 1.2: the certificate arrives in two segments; TLS 1.3: nothing readable
        _tcp(AXIS_MAC, AXIS, CLIENT, 443, 50002, 3000, cb.ACK, tls[:100]),
        _tcp(AXIS_MAC, AXIS, CLIENT, 443, 50002, 3100, cb.PSH | cb.ACK, tls[100:]),
        _tcp(AXIS_MAC, TLS13, CLIENT, 443, 50003, 4000, cb.PSH | cb.ACK, cb.tls13_server_flight()),
    ]
    # a router forwarding traffic from many addresses: its MAC must not be tied to them
    frames += [
        _udp(cb.ROUTER_MAC, f"198.51.100.{n}", CLIENT, 123, 123, b"\x24" + bytes(47))
        for n in range(1, 8)
    ]
    return frames


@pytest.fixture(scope="module")
def site_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cb.write_pcap(tmp_path_factory.mktemp("pcap") / "site.pcap", site_frames())


def test_site_capture_identifies_each_device(site_pcap: Path, identifier: Identifier) -> None:
    evidence = list(PcapImporter().read(site_pcap))
    found = makers(identifier, evidence)
    assert found[HIK].manufacturer == "Hikvision"
    assert found[DAHUA_WSD].manufacturer == "Dahua"
    assert found[DAHUA_DHIP].manufacturer == "Dahua"
    assert found[AXIS].manufacturer == "Axis"
    assert found[EZVIZ].manufacturer == "Hikvision"
    assert found[EZVIZ].brand == "EZVIZ"
    assert found[HIK].model == "DS-2CD2143G2-I"


def test_site_capture_evidence_shapes(site_pcap: Path) -> None:
    evidence = list(PcapImporter().read(site_pcap))
    kinds = {(e.kind, e.ip) for e in evidence}
    assert (EvidenceKind.SADP, HIK) in kinds
    assert (EvidenceKind.WSD_PROBEMATCH, DAHUA_WSD) in kinds
    assert (EvidenceKind.DHIP, DAHUA_DHIP) in kinds
    assert (EvidenceKind.UPNP, AXIS) in kinds
    assert (EvidenceKind.MDNS, AXIS) in kinds
    assert sum(e.kind is EvidenceKind.SADP for e in evidence) == 1  # the repeat is dropped
    http = next(e for e in evidence if e.kind is EvidenceKind.HTTP)
    assert http.payload == (PAYLOADS / "http_hikvision_401.http").read_bytes()  # reassembled
    assert "GET /ISAPI/System/deviceInfo" in (http.source or "")
    assert http.port == 80
    rtsp = next(e for e in evidence if e.kind is EvidenceKind.RTSP)
    assert rtsp.ip == DAHUA_WSD and b"Login to 6G0AB3APAZ5C0E91" in rtsp.payload
    tls = [e for e in evidence if e.kind is EvidenceKind.TLS]
    assert [e.ip for e in tls] == [AXIS]  # TLS 1.3 hides its certificate
    assert tls[0].payload.startswith(b"-----BEGIN CERTIFICATE-----")
    mdns = next(e for e in evidence if e.kind is EvidenceKind.MDNS).text
    assert "service=_axis-video._tcp.local" in mdns
    assert "instance=AXIS P3245-LVE - ACCC8E4F1A2B" in mdns
    assert "txt.macaddress=ACCC8E4F1A2B" in mdns
    dhcp = next(e for e in evidence if e.kind is EvidenceKind.DHCP)
    assert dhcp.mac == "64:f2:fb:10:20:30" and dhcp.ip is None
    assert "hostname=C6N-F12345678" in dhcp.text and "vendor_class=udhcp 1.29.3" in dhcp.text
    clouds = [e for e in evidence if e.kind is EvidenceKind.HOSTNAME]
    details = sorted((e.source or "").split(" ", 3)[-1] for e in clouds)
    assert details == [
        "dns-query litedev.ezvizlife.com",
        "flow tcp/8666 to litedev.ezvizlife.com (203.0.113.50)",
        "flow udp/6002 to litedev.ezvizlife.com (203.0.113.50)",
        "tls-sni dev.ezvizlife.com",
    ]
    assert all(e.ip == EZVIZ for e in clouds)


def test_macs_come_from_arp_dhcp_and_sources_but_not_routers(site_pcap: Path) -> None:
    macs = {(e.mac, e.ip) for e in PcapImporter().read(site_pcap) if e.kind is EvidenceKind.MAC}
    assert ("44:19:b6:2a:10:3c", HIK) in macs  # ARP
    assert ("64:f2:fb:10:20:30", EZVIZ) in macs  # DHCP ACK
    assert ("e0:50:8b:12:9a:37", DAHUA_WSD) in macs  # IPv4 source
    assert not any(m == "00:1b:21:3a:4f:01" for m, _ in macs)  # the router's
    sources = [e for e in PcapImporter().read(site_pcap) if e.kind is EvidenceKind.MAC]
    assert len(sources) == len({(e.mac, e.ip) for e in sources})  # each pair once


def test_pcapng_gives_the_same_evidence(site_pcap: Path, tmp_path: Path) -> None:
    ng = cb.write_pcapng(tmp_path / "site.pcapng", site_frames())
    assert detect_format(ng) == "pcap" and detect_format(site_pcap) == "pcap"
    classic = [(e.kind, e.ip, e.payload) for e in PcapImporter().read(site_pcap)]
    modern = [(e.kind, e.ip, e.payload) for e in PcapImporter().read(ng)]
    assert {(k, i) for k, i, p in modern if k is not EvidenceKind.TLS} == {
        (k, i) for k, i, p in classic if k is not EvidenceKind.TLS
    }


def test_stream_eviction_and_per_endpoint_cap(tmp_path: Path) -> None:
    reply = b"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 0\r\n\r\n"
    frames = []
    # 5 interleaved open streams with 2 slots: the oldest are read when evicted
    for n in range(5):
        frames.append(
            _tcp(HIK_MAC, f"10.90.2.{n + 1}", CLIENT, 80, 51000 + n, 1, cb.PSH | cb.ACK, reply)
        )
    # one server answering 20 connections: only the first 16 are kept
    for n in range(20):
        frames.append(
            _tcp(HIK_MAC, HIK, CLIENT, 8080, 52000 + n, 1, cb.PSH | cb.ACK | cb.FIN, reply)
        )
    path = cb.write_pcap(tmp_path / "many.pcap", frames)
    evidence = [e for e in PcapImporter(max_streams=2).read(path) if e.kind is EvidenceKind.HTTP]
    assert sorted(e.ip for e in evidence if e.port == 80) == [f"10.90.2.{n}" for n in range(1, 6)]
    assert sum(e.port == 8080 for e in evidence) == MAX_REPLIES_PER_ENDPOINT


def test_corpus_onvif_session_pcapng(identifier: Identifier) -> None:
    """A real third-party capture (TVT OEM camera answering ONVIF over HTTP)."""
    path = CORPUS / "raw" / "tvt" / "onvif_tvt_session.pcapng"
    if not path.exists():
        pytest.skip("shared corpus not present")
    evidence = list(PcapImporter().read(path))
    http = [e for e in evidence if e.kind is EvidenceKind.HTTP]
    assert len(http) >= 5
    assert all(e.payload.startswith(b"HTTP/1.1 ") for e in http)
    assert any(b"GetDeviceInformationResponse" in e.payload for e in http)
    assert any(b"Server: gSOAP/2.8" in e.payload for e in http)
    assert all(e.ip == "192.168.0.250" for e in http)
    assert any("POST /onvif/device_service" in (e.source or "") for e in http)


# --- bad and hostile input ---------------------------------------------------------------


def test_not_a_capture(tmp_path: Path) -> None:
    path = tmp_path / "notes.pcap"
    path.write_bytes(b"this is not a capture\n")
    with pytest.raises(EvidenceFormatError, match="not a pcap or pcapng file"):
        list(PcapImporter().read(path))


def test_absurd_packet_length_names_the_packet(tmp_path: Path) -> None:
    path = cb.write_pcap(tmp_path / "ok.pcap", site_frames()[:3])
    data = bytearray(path.read_bytes())
    data += struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF)
    path.write_bytes(bytes(data))
    with pytest.raises(EvidenceFormatError, match=r"packet 4: captured length 2147483647"):
        list(PcapImporter().read(path))


def test_bad_pcapng_block_names_the_block(tmp_path: Path) -> None:
    path = cb.write_pcapng(tmp_path / "ok.pcapng", site_frames()[:2])
    data = path.read_bytes() + struct.pack("<II", 6, 7)
    path.write_bytes(data)
    with pytest.raises(EvidenceFormatError, match=r"block \d+: bad block length 7"):
        list(PcapImporter().read(path))


def test_a_capture_cut_short_keeps_whole_packets(tmp_path: Path, site_pcap: Path) -> None:
    data = site_pcap.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) - 30])
    kinds = {e.kind for e in PcapImporter().read(cut)}
    assert EvidenceKind.SADP in kinds and EvidenceKind.HTTP in kinds


_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.lists(st.binary(max_size=300), max_size=40))
def test_random_frames_never_crash(
    tmp_path_factory: pytest.TempPathFactory, frames: list[bytes]
) -> None:
    path = cb.write_pcap(tmp_path_factory.mktemp("fuzz") / "random.pcap", frames)
    list(PcapImporter().read(path))


@_SETTINGS
@given(st.data())
def test_truncated_and_corrupted_site_frames_never_crash(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    frames = []
    for frame in site_frames():
        cut = data.draw(st.integers(min_value=0, max_value=len(frame)))
        flip = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
        mutated = bytearray(frame[:cut] if data.draw(st.booleans()) else frame)
        if mutated and flip < len(mutated):
            mutated[flip] ^= 0xFF
        frames.append(bytes(mutated))
    path = cb.write_pcap(tmp_path_factory.mktemp("fuzz") / "mutated.pcap", frames)
    list(PcapImporter().read(path))


@_SETTINGS
@given(st.binary(max_size=2000))
def test_random_files_raise_only_format_errors(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes
) -> None:
    for magic in (b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00", b"\x0a\x0d\x0d\x0a", b""):
        path = tmp_path_factory.mktemp("fuzz") / "blob.pcap"
        path.write_bytes(magic + blob)
        with contextlib.suppress(EvidenceFormatError):
            list(PcapImporter().read(path))


def test_evidence_round_trips_through_the_exchange_format(site_pcap: Path) -> None:
    for ev in PcapImporter().read(site_pcap):
        record = ev.to_record()
        assert json.loads(json.dumps(record))["kind"] == ev.kind.value
        assert (ev.source or "").startswith("import:pcap site.pcap:packet ")


def test_timestamps_beyond_datetime_are_dropped_not_fatal(tmp_path: Path) -> None:
    """A pcapng timestamp in year 294301 once raised ValueError through the whole import."""
    frame = cb.ether(
        cb.mac("c4:2f:90:01:02:03"),
        cb.CLIENT_MAC,
        cb.udp("127.0.0.5", "127.0.0.9", 37020, 37020, b"<ProbeMatch><DeviceType>1</DeviceType>"),
    )
    path = cb.write_pcapng(tmp_path / "far.pcapng", [frame], start=9.2e12)  # pcap has 32 bits
    evidence = list(PcapImporter().read(path))
    assert evidence and all(ev.ts is None for ev in evidence)
