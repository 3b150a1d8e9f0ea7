"""Extractors read untrusted bytes: they must never raise, whatever arrives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify.extract import extract
from camaudit.models import Evidence, EvidenceKind

SAMPLES = {
    EvidenceKind.HTTP: b'HTTP/1.1 401 Unauthorized\r\nServer: Example-Webs\r\nWWW-Authenticate: Digest realm="Cam(AB123)", nonce="x"\r\nContent-Type: text/html\r\n\r\n<html><head><title>Login &amp; view</title></head></html>',
    EvidenceKind.RTSP: b'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nServer: Example Rtsp/2.0\r\nWWW-Authenticate: Basic realm="box"\r\n\r\n',
    EvidenceKind.TLS: b"CN=cam-01.example,O=Example Corp,C=GB",
    EvidenceKind.BANNER: b"220 Example Cam 1.2 FTP server ready.\r\n",
    EvidenceKind.SADP: b'<?xml version="1.0"?><ProbeMatch><DeviceDescription>X-100</DeviceDescription><DeviceSN>X-10020200101AAAA</DeviceSN></ProbeMatch>',
    EvidenceKind.ISAPI: b'<DeviceInfo xmlns="urn:example"><model>X-1</model><firmwareVersion>V1.0</firmwareVersion></DeviceInfo>',
    EvidenceKind.ONVIF_DEVINFO: b'<s:Envelope xmlns:s="a" xmlns:tds="b"><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer><tds:Model>A-1</tds:Model></tds:GetDeviceInformationResponse></s:Body></s:Envelope>',
    EvidenceKind.UPNP: b'<root xmlns="urn:schemas-upnp-org:device-1-0"><device><manufacturer>Acme</manufacturer><modelName>A-1</modelName></device></root>',
    EvidenceKind.WSD_PROBEMATCH: b"onvif://www.onvif.org/name/Acme%20Cam onvif://www.onvif.org/hardware/A-1",
    EvidenceKind.DHIP: b'\x20\x00\x00\x00DHIP{"method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"A-1","Vendor":"General"}}}',
    EvidenceKind.DAHUA_CGI: b"deviceType=A-1\r\nserialNumber=ABC123\r\n",
    EvidenceKind.MDNS: b"service=_http._tcp\ninstance=Acme A-1\ntxt.macaddress=001122334455",
    EvidenceKind.MAC: b"00-11-22-33-44-55",
    EvidenceKind.DHCP: b"vendor_class=udhcp 1.2\nhostname=cam-1",
    EvidenceKind.HOSTNAME: b"cam-lobby-1",
    EvidenceKind.ASSET_ROW: b'{"make": "Acme", "model": "A-1", "description": "4MP dome"}',
}


def test_http_fields():
    f = extract(Evidence(EvidenceKind.HTTP, SAMPLES[EvidenceKind.HTTP]))
    assert f.first("status") == "401"
    assert f.first("server") == "Example-Webs"
    assert f.first("realm") == "Cam(AB123)"
    assert f.first("title") == "Login & view"


@pytest.mark.parametrize(
    "fragment, field, value",
    [
        (b"Example-Webs", "server", "Example-Webs"),
        (b"<title>Live view - Acme A-1</title>", "title", "Live view - Acme A-1"),
        (b'Digest realm="Login to ABC", nonce="1"', "realm", "Login to ABC"),
        (b'WWW-Authenticate: Basic realm="CAM-9"', "realm", "CAM-9"),
        (b"a3fd8705f010b90e37d42128000f620b", "favicon_md5", "a3fd8705f010b90e37d42128000f620b"),
        (b"root.Brand.Brand=ACME\nroot.Brand.ProdNbr=A-1", "kv.root.brand.prodnbr", "A-1"),
        (b'var ModelName="A-1"\nvar SoftVersion="1.18"', "kv.modelname", "A-1"),
        (b'{"data": {"propertyList": {"ProdNbr": "A-1"}}}', "json.prodnbr", "A-1"),
    ],
)
def test_http_fragments(fragment, field, value):
    assert value in extract(Evidence(EvidenceKind.HTTP, fragment)).get(field)


def test_truncated_xml_still_yields_fields():
    doc = SAMPLES[EvidenceKind.SADP][:-20]
    f = extract(Evidence(EvidenceKind.SADP, doc))
    assert f.first("devicedescription") == "X-100"


def test_hostile_xml_is_not_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><DeviceInfo><model>&c;</model></DeviceInfo>'
    f = extract(Evidence(EvidenceKind.ISAPI, bomb))
    assert all("aaaa" not in v for v in f.get("model"))
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d><model>&x;</model></d>'
    f = extract(Evidence(EvidenceKind.ISAPI, xxe))
    assert all("root:" not in v for v in f.get("model"))


def test_wsd_scopes_decoded():
    f = extract(Evidence(EvidenceKind.WSD_PROBEMATCH, SAMPLES[EvidenceKind.WSD_PROBEMATCH]))
    assert f.first("scope.name") == "Acme Cam"
    assert f.first("scope.hardware") == "A-1"


@pytest.mark.parametrize("kind", list(EvidenceKind))
@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=2048))
def test_random_bytes_never_raise(kind, data):
    extract(Evidence(kind, data))


@pytest.mark.parametrize("kind", list(SAMPLES))
@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=0, max_value=400), junk=st.binary(max_size=64))
def test_truncated_and_mangled_samples_never_raise(kind, cut, junk):
    sample = SAMPLES[kind]
    extract(Evidence(kind, sample[:cut] + junk + sample[cut:]))


def test_mdns_zone_lines_give_the_key_value_fields():
    text = (
        "_rtsp._tcp.local.\t120\tIN\tPTR\tGarden Cam 2._rtsp._tcp.local.\n"
        "Garden Cam 2._rtsp._tcp.local. 120 IN SRV 0 0 554 cam-garden-2.local.\n"
        'Garden Cam 2._rtsp._tcp.local. 4500 IN TXT "md=C310" "fw=1.3.2"\n'
        "cam-garden-2.local. 120 IN A 192.0.2.20\n"
    )
    f = extract(Evidence(EvidenceKind.MDNS, text.encode()))
    assert f.get("instance") == ["Garden Cam 2"]
    assert f.get("service") == ["_rtsp._tcp.local"]
    assert f.get("hostname") == ["cam-garden-2.local"]
    assert f.get("txt.md") == ["C310"] and f.get("txt.fw") == ["1.3.2"]
    assert f.get("address") == ["192.0.2.20"]


@pytest.mark.parametrize(
    ("text", "oui"),
    [
        ("a0:60:32:*", "a0:60:32"),
        ("A0-60-32-XX-XX-XX", "a0:60:32"),
        ("24:28:fd:xx:xx:xx", "24:28:fd"),
        ("34:46:63:2*", "34:46:63:2"),
        ("a0:60:*", None),
        ("zz:zz:zz:*", None),
    ],
)
def test_a_mac_written_with_its_device_part_masked_is_a_prefix(text, oui):
    f = extract(Evidence(EvidenceKind.MAC, text.encode()))
    assert f.get("oui") == ([oui] if oui else [])
    assert not f.get("mac")
