"""ONVIF device service: pre-auth calls, HTTP Digest and WS-UsernameToken, faults, hostile XML,
vendor identities, ONVIF on its own port, and a third-party client (onvif-zeep-async)."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import time
from collections.abc import Iterator

import pytest
from defusedxml import ElementTree

from camaudit.lab import Fleet, LabDevice, LabThread, build_fleet
from tests.lab.lab_clients import MAX_ANSWER, digest_authorization, soap, wsse_header
from tests.lab.lab_helpers import TEST_PORT_OFFSET, by_persona, unique_subnet

TDS = "{http://www.onvif.org/ver10/device/wsdl}"
TT = "{http://www.onvif.org/ver10/schema}"
ENV = "{http://www.w3.org/2003/05/soap-envelope}"
PERSONAS = ["hikvision-ipc", "dahua-ipc", "axis-ipc", "reolink-ipc", "xiongmai-dvr", "tvt-ipc"]


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = build_fleet(
        subnet=unique_subnet(), mix=dict.fromkeys(PERSONAS, 1), seed=5, port_offset=TEST_PORT_OFFSET
    )
    with LabThread(fleet, protocols={"http", "onvif"}):
        yield fleet


def _info(body: bytes) -> dict[str, str]:
    root = ElementTree.fromstring(body)
    response = root.find(f"{ENV}Body/{TDS}GetDeviceInformationResponse")
    assert response is not None, body[:300]
    return {child.tag.removeprefix(TDS): child.text or "" for child in response}


def _fault(body: bytes) -> tuple[str, str]:
    root = ElementTree.fromstring(body)
    code = root.find(f"{ENV}Body/{ENV}Fault/{ENV}Code")
    assert code is not None, body[:300]
    value = code.findtext(f"{ENV}Value") or ""
    sub = code.findtext(f"{ENV}Subcode/{ENV}Value") or ""
    return value.split(":")[-1], sub


def test_system_date_and_time_needs_no_credentials(estate: Fleet) -> None:
    for device in estate.devices:
        status, headers, body = soap(device, "GetSystemDateAndTime")
        assert status == 200 and headers["content-type"].startswith("application/soap+xml")
        root = ElementTree.fromstring(body)
        utc = root.find(
            f"{ENV}Body/{TDS}GetSystemDateAndTimeResponse/{TDS}SystemDateAndTime/{TT}UTCDateTime"
        )
        assert utc is not None
        year = int(utc.findtext(f"{TT}Date/{TT}Year") or 0)
        assert year == dt.datetime.now(dt.UTC).year


def test_device_information_unauthenticated_is_refused(estate: Fleet) -> None:
    hik = by_persona(estate, "hikvision-ipc")
    status, headers, body = soap(hik, "GetDeviceInformation")
    assert status == 401 and headers["www-authenticate"].startswith("Digest ")
    assert _fault(body) == ("Sender", "ter:NotAuthorized")
    reolink = by_persona(estate, "reolink-ipc")  # UsernameToken only: HTTP 400 + SOAP fault
    status, headers, body = soap(reolink, "GetDeviceInformation")
    assert status == 400 and "www-authenticate" not in headers
    assert _fault(body) == ("Sender", "ter:NotAuthorized")


def test_username_token_right_wrong_and_stale(estate: Fleet) -> None:
    for device in estate.devices:
        status, _, body = soap(
            device, "GetDeviceInformation", header=wsse_header(device.username, device.password)
        )
        assert status == 200, (device.persona, body[:300])
        info = _info(body)
        assert info["Model"] and info["SerialNumber"], info
    device = by_persona(estate, "dahua-ipc")
    status, _, body = soap(
        device, "GetDeviceInformation", header=wsse_header(device.username, "wrong")
    )
    assert status == 400 and _fault(body)[1] == "ter:NotAuthorized"
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, _, _ = soap(
        device, "GetDeviceInformation", header=wsse_header(device.username, device.password, old)
    )
    assert status == 400


def test_http_digest_with_an_independent_client(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    _, headers, _ = soap(device, "GetDeviceInformation")
    auth = digest_authorization(
        headers["www-authenticate"],
        username=device.username,
        password=device.password,
        method="POST",
        uri="/onvif/device_service",
    )
    status, _, body = soap(device, "GetDeviceInformation", authorization=auth)
    assert status == 200
    info = _info(body)
    assert info["Manufacturer"] == "AXIS" and info["Model"] == device.model
    assert info["FirmwareVersion"] == device.firmware and info["SerialNumber"] == device.serial


def test_vendor_identities(estate: Fleet) -> None:
    found = {}
    for device in estate.devices:
        header = wsse_header(device.username, device.password)
        found[device.persona] = (
            device,
            _info(soap(device, "GetDeviceInformation", header=header)[2]),
        )
    device, info = found["dahua-ipc"]
    assert info["Manufacturer"] == "Dahua" and info["HardwareId"] == "1.00"
    assert info["FirmwareVersion"].endswith(f", build: {device.context['fw_date']}")
    device, info = found["hikvision-ipc"]
    assert info["Manufacturer"] == "HIKVISION" and info["SerialNumber"].startswith(device.model)
    _, info = found["tvt-ipc"]
    assert (info["Manufacturer"], info["Model"]) == ("Customer", "IPC")


def test_tvt_gsoap_wire_details(estate: Fleet) -> None:
    device = by_persona(estate, "tvt-ipc")
    status, headers, body = soap(device, "GetDeviceInformation")
    assert status == 401 and headers["server"] == "gSOAP/2.8"
    challenge = headers["www-authenticate"]
    assert challenge.startswith('Digest realm="Digest", qop="auth,auth-int", nonce="')
    nonce = challenge.split('nonce="')[1].split('"')[0]
    assert len(nonce) == 20 and 'opaque="' in challenge
    assert b"<SOAP-ENV:Fault>" in body and b"HTTP Error: 401 Unauthorized" in body
    auth = digest_authorization(
        challenge,
        username=device.username,
        password=device.password,
        method="POST",
        uri="/onvif/device_service",
    )
    assert soap(device, "GetDeviceInformation", authorization=auth)[0] == 200


def test_onvif_on_its_own_port(estate: Fleet) -> None:
    for pid, port in (("reolink-ipc", 8000), ("xiongmai-dvr", 8899)):
        device = by_persona(estate, pid)
        assert device.ports["onvif"] == port + TEST_PORT_OFFSET != device.ports["http"]
        conn = http.client.HTTPConnection(device.ip, device.ports["onvif"], timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().status == 404  # no web pages there
        conn.close()
    status, headers, _ = soap(by_persona(estate, "xiongmai-dvr"), "GetSystemDateAndTime")
    assert status == 200 and headers["server"] == "gSOAP/2.8"


def test_capabilities_and_services_point_at_the_request_host(estate: Fleet) -> None:
    device = by_persona(estate, "dahua-ipc")
    for operation in ("GetCapabilities", "GetServices"):
        status, _, body = soap(device, operation)
        assert status == 200
        assert f"http://{device.ip}:{device.ports['onvif']}/onvif/device_service".encode() in body


@pytest.mark.parametrize(
    ("body", "status", "subcode"),
    [
        (b"not xml at all", 400, "ter:WellFormed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            400,
            "ter:WellFormed",
        ),
        (b"<a>" * 200 + b"</a>" * 200, 400, "ter:WellFormed"),
        (
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Reboot '
            b'xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>',
            500,
            "ter:ActionNotSupported",
        ),
    ],
)
def test_hostile_and_unknown_requests(
    estate: Fleet, body: bytes, status: int, subcode: str
) -> None:
    device = by_persona(estate, "hikvision-ipc")
    conn = http.client.HTTPConnection(device.ip, device.ports["onvif"], timeout=5)
    conn.request(
        "POST", "/onvif/device_service", body=body, headers={"Content-Type": "application/soap+xml"}
    )
    response = conn.getresponse()
    answer = response.read()
    conn.close()
    assert response.status == status
    assert _fault(answer)[1] == subcode
    assert soap(device, "GetSystemDateAndTime")[0] == 200


def _capped_size(device: LabDevice) -> int:
    """Fetch GetDeviceInformation reading at most MAX_ANSWER bytes (the cap a real client needs,
    since onvif-zeep-async sets xml_huge_tree)."""
    status, _, body = soap(
        device, "GetDeviceInformation", header=wsse_header(device.username, device.password)
    )
    assert status == 200 and len(body) < MAX_ANSWER
    return len(body)


def test_onvif_zeep_async_reads_device_information(estate: Fleet) -> None:
    onvif = pytest.importorskip("onvif")
    device = by_persona(estate, "hikvision-ipc")
    assert _capped_size(device) < 4096

    async def read(password: str) -> object:
        camera = onvif.ONVIFCamera(
            device.ip, device.ports["onvif"], device.username, password, no_cache=True
        )
        try:
            await camera.update_xaddrs()
            service = await camera.create_devicemgmt_service()
            return await service.GetDeviceInformation()
        finally:
            await camera.close()

    started = time.monotonic()
    info = asyncio.run(read(device.password))
    assert info.Manufacturer == "HIKVISION" and info.Model == device.model  # type: ignore[attr-defined]
    assert info.SerialNumber == device.serial  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="not Authorized"):
        asyncio.run(read("wrong-password"))
    assert time.monotonic() - started < 5.0
