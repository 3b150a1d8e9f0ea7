"""UDP discovery responders: WS-Discovery, SADP, DHIP, SSDP, mDNS over unicast on 127/8."""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Iterator

import pytest
from defusedxml import ElementTree

from camaudit.lab import Fleet, LabThread, build_fleet
from camaudit.lab.dhip import frame
from camaudit.lab.dns_message import (
    TYPE_A,
    TYPE_PTR,
    TYPE_SRV,
    TYPE_TXT,
    parse_message,
    read_name_at,
)
from tests.lab.lab_clients import (
    dhip_search,
    first_reply_after,
    mdns_query,
    msearch,
    sadp_inquiry,
    udp_all,
    udp_query,
    wsd_probe,
)
from tests.lab.lab_helpers import TEST_PORT_OFFSET, by_persona, unique_subnet

PERSONAS = ["hikvision-ipc", "dahua-ipc", "axis-ipc", "lorex-ipc", "hikvision-dvr", "reolink-ipc"]
D = "{http://schemas.xmlsoap.org/ws/2005/04/discovery}"
A = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = build_fleet(
        subnet=unique_subnet(), mix=dict.fromkeys(PERSONAS, 1), seed=3, port_offset=TEST_PORT_OFFSET
    )
    with LabThread(fleet, protocols={"wsd", "sadp", "dhip", "ssdp", "mdns", "http"}):
        yield fleet


# -- WS-Discovery -----------------------------------------------------------------------------


def test_wsd_probe_match_names_the_onvif_service(estate: Fleet) -> None:
    device = by_persona(estate, "hikvision-ipc")
    message_id = f"uuid:{uuid.uuid4()}"
    answer = udp_query(device.ip, device.ports["wsd"], wsd_probe(message_id=message_id))
    assert answer is not None
    root = ElementTree.fromstring(answer)
    header = root.find("{http://www.w3.org/2003/05/soap-envelope}Header")
    assert header is not None and header.findtext(f"{A}RelatesTo") == message_id
    assert (
        header.findtext(f"{A}Action")
        == "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
    )
    match = root.find(f".//{D}ProbeMatch")
    assert match is not None
    assert match.findtext(f"{D}Types") == "dn:NetworkVideoTransmitter tds:Device"
    scopes = (match.findtext(f"{D}Scopes") or "").split()
    assert f"onvif://www.onvif.org/hardware/{device.model}" in scopes
    assert f"onvif://www.onvif.org/name/HIKVISION%20{device.model}" in scopes
    xaddr = f"http://{device.ip}:{device.ports['onvif']}/onvif/device_service"
    assert match.findtext(f"{D}XAddrs") == xaddr
    address = match.findtext(f"{A}EndpointReference/{A}Address") or ""
    assert address.endswith(device.mac.replace(":", ""))


def test_wsd_scope_matching_follows_rfc3986_segments(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    port = device.ports["wsd"]
    hardware = f"onvif://www.onvif.org/hardware/{device.context['model_url']}"
    assert udp_query(device.ip, port, wsd_probe(scopes=hardware)) is not None
    assert (
        udp_query(device.ip, port, wsd_probe(scopes="onvif://www.onvif.org/hardware")) is not None
    )
    partial = hardware[:-2]  # "hardware/D1" must not match "hardware/D1-566"
    for ignored in (wsd_probe(scopes=partial), wsd_probe(types="dn:NetworkVideoDisplay")):
        answer = first_reply_after(
            device.ip, port, ignored, wsd_probe(types="tds:Device", message_id="uuid:last")
        )
        assert answer is not None and b"<wsa:RelatesTo>uuid:last<" in answer


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x00" * 64,
        b"<Probe/>",
        b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        wsd_probe().replace(b"/discovery/Probe<", b"/discovery/Resolve<"),
        wsd_probe(message_id="bad id with spaces"),
        b"x" * 9000,
    ],
)
def test_wsd_ignores_malformed(estate: Fleet, payload: bytes) -> None:
    device = by_persona(estate, "dahua-ipc")
    answer = first_reply_after(
        device.ip, device.ports["wsd"], payload, wsd_probe(message_id="uuid:good")
    )
    assert answer is not None and b"<wsa:RelatesTo>uuid:good<" in answer


# -- SADP -------------------------------------------------------------------------------------


def test_sadp_probe_match(estate: Fleet) -> None:
    device = by_persona(estate, "hikvision-ipc")
    probe_uuid = str(uuid.uuid4()).upper()
    answer = udp_query(device.ip, device.ports["sadp"], sadp_inquiry(probe_uuid))
    assert answer is not None
    root = ElementTree.fromstring(answer)
    assert root.tag == "ProbeMatch" and [c.tag for c in root][:2] == ["Uuid", "Types"]
    values = {child.tag: child.text for child in root}
    assert values["Uuid"] == probe_uuid and values["Types"] == "inquiry"
    assert values["DeviceDescription"] == device.model and values["DeviceSN"] == device.serial
    assert values["MAC"] == device.mac.replace(":", "-")
    assert values["SoftwareVersion"] == device.firmware.replace(" build", "build")
    assert values["Activated"] == "true" and values["HCPlatformEnable"] == "flase"


def test_sadp_recorder_fields(estate: Fleet) -> None:
    device = by_persona(estate, "hikvision-dvr")
    answer = udp_query(device.ip, device.ports["sadp"], sadp_inquiry())
    assert answer is not None
    values = {child.tag: child.text for child in ElementTree.fromstring(answer)}
    assert values["DeviceType"] == "44322" and int(values["AnalogChannelNum"] or 0) >= 4
    assert (values["DSPVersion"] or "").startswith("V5.0, build ")


@pytest.mark.parametrize(
    "payload",
    [
        sadp_inquiry().replace(b"inquiry", b"reset"),
        sadp_inquiry().replace(b"<Uuid>", b"<Uuid>x"),
        b'<?xml version="1.0"?><ProbeMatch/>',
        b"\x21\x02\x01\x40" + b"\x00" * 60,  # the binary (Ethernet) SADP header: not answered
    ],
)
def test_sadp_ignores_other_verbs_and_garbage(estate: Fleet, payload: bytes) -> None:
    device = by_persona(estate, "hikvision-ipc")
    good = str(uuid.uuid4()).upper()
    answer = first_reply_after(device.ip, device.ports["sadp"], payload, sadp_inquiry(good))
    assert answer is not None and good.encode() in answer


# -- DHIP -------------------------------------------------------------------------------------


def _dhip_json(answer: bytes) -> dict[str, object]:
    assert answer[:8] == b"\x20\x00\x00\x00DHIP"
    size = struct.unpack_from("<I", answer, 16)[0]
    assert size == struct.unpack_from("<I", answer, 24)[0] == len(answer) - 32
    return json.loads(answer[answer.index(b"{") :].rstrip(b"\x00"))  # type: ignore[no-any-return]


def test_dhip_notify_dev_info(estate: Fleet) -> None:
    device = by_persona(estate, "lorex-ipc")
    answer = udp_query(device.ip, device.ports["dhip"], dhip_search())
    assert answer is not None
    payload = _dhip_json(answer)
    assert payload["method"] == "client.notifyDevInfo" and payload["mac"] == device.mac
    info = payload["params"]["deviceInfo"]  # type: ignore[index]
    assert info["Vendor"] == "Lorex" and info["DeviceType"] == device.model
    assert info["SerialNo"] == device.serial and info["Manufacturer"] == "Private"
    assert (
        info["HttpPort"] == device.ports["http"] and info["IPv4Address"]["IPAddress"] == device.ip
    )
    assert b"\\/64" in answer  # IPv6 prefix lengths escaped as on the wire


@pytest.mark.parametrize(
    "payload",
    [
        b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}',  # bare JSON: no header
        frame(b'{"method":"DHDiscover.getVersion"}'),
        frame(b"{not json"),
        frame(b'{"method":"DHDiscover.search"}')[:-5],  # length says more than was sent
        b"\xff",  # the one-byte amplification probe some firmware answered: not here
        b"\x20\x00\x00\x00PIHD" + frame(b"{}")[8:],
    ],
)
def test_dhip_needs_the_framed_search(estate: Fleet, payload: bytes) -> None:
    device = by_persona(estate, "dahua-ipc")
    good = frame(b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}', request_id=77)
    answer = first_reply_after(device.ip, device.ports["dhip"], payload, good)
    assert answer is not None and struct.unpack_from("<I", answer, 12)[0] == 77


# -- SSDP -------------------------------------------------------------------------------------


def test_ssdp_search_and_description(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    answers = udp_all(device.ip, device.ports["ssdp"], msearch("ssdp:all"), wait=0.5)
    assert len(answers) == 4
    targets = set()
    for answer in answers:
        head = answer.decode()
        assert head.startswith("HTTP/1.1 200 OK\r\n") and "\r\nEXT:\r\n" in head
        fields = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        targets.add(fields["ST"])
        assert fields["SERVER"].endswith("Portable SDK for UPnP devices/1.6.22")
        location = fields["LOCATION"]
    assert "urn:axis-com:service:BasicService:1" in targets
    path = location.split(str(device.ports["http"]), 1)[1]
    from tests.lab.lab_helpers import request

    status, _, body = request(device, path)
    assert status == 200
    root = ElementTree.fromstring(body)
    ns = "{urn:schemas-upnp-org:device-1-0}"
    assert root.findtext(f"{ns}device/{ns}manufacturer") == "AXIS"
    assert root.findtext(f"{ns}device/{ns}serialNumber") == device.serial
    one = udp_all(device.ip, device.ports["ssdp"], msearch("upnp:rootdevice"), wait=0.3)
    assert len(one) == 1
    answer = first_reply_after(
        device.ip, device.ports["ssdp"], msearch("urn:nothing:here"), msearch("upnp:rootdevice")
    )
    assert answer is not None and b"\r\nST: upnp:rootdevice\r\n" in answer


@pytest.mark.parametrize(
    "payload",
    [
        msearch().replace(b'"ssdp:discover"', b"ssdp:discover"),  # MAN must be quoted
        msearch().replace(b"M-SEARCH", b"NOTIFY"),
        b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n",  # no blank line
    ],
)
def test_ssdp_ignores_malformed(estate: Fleet, payload: bytes) -> None:
    device = by_persona(estate, "reolink-ipc")
    answer = first_reply_after(device.ip, device.ports["ssdp"], payload, msearch("upnp:rootdevice"))
    assert answer is not None and b"\r\nST: upnp:rootdevice\r\n" in answer


# -- mDNS -------------------------------------------------------------------------------------


def test_mdns_legacy_unicast_ptr_with_additionals(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    answer = udp_query(
        device.ip, device.ports["mdns"], mdns_query("_axis-video._tcp.local", ident=0xBEEF)
    )
    assert answer is not None
    message = parse_message(answer)
    assert message.id == 0xBEEF and message.is_response and len(message.questions) == 1
    (ptr,) = message.answers
    instance = f"axis {device.model.lower()} - {device.mac.replace(':', '')}._axis-video._tcp.local"
    assert ptr.rtype == TYPE_PTR and ptr.ttl == 10
    assert read_name_at(answer, answer.index(ptr.data)) == instance
    kinds = {r.rtype: r for r in message.additionals}
    assert set(kinds) == {TYPE_SRV, TYPE_TXT, TYPE_A}
    assert kinds[TYPE_A].data == bytes(int(x) for x in device.ip.split("."))
    assert f"macaddress={device.mac.replace(':', '').upper()}".encode() in kinds[TYPE_TXT].data
    assert struct.unpack("!3H", kinds[TYPE_SRV].data[:6])[2] == device.ports["http"]


def test_mdns_services_host_and_unknown_names(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    port = device.ports["mdns"]
    services = udp_query(device.ip, port, mdns_query("_services._dns-sd._udp.local"))
    assert services is not None and len(parse_message(services).answers) == 2
    host = f"axis-{device.mac.replace(':', '')}.local"
    reply = udp_query(device.ip, port, mdns_query(host, TYPE_A))
    assert reply is not None and parse_message(reply).answers[0].rtype == TYPE_A
    response = bytearray(mdns_query("_axis-video._tcp.local"))
    response[2] |= 0x80  # a response, not a query
    for ignored in (mdns_query("_http._tcp.local", ident=1), b"\x00" * 11, bytes(response)):
        answer = first_reply_after(device.ip, port, ignored, mdns_query(host, TYPE_A, ident=99))
        assert answer is not None and parse_message(answer).id == 99
