"""Vendor HTTP APIs of the newer personas: Hanwha SUNAPI, Uniview LAPI, Reolink JSON API,
VIVOTEK getparam, the Dahua family's magicBox, Hikvision recorders' ISAPI, Xiongmai uc-httpd."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from camaudit.lab import Fleet, LabThread, build_fleet
from tests.lab.lab_helpers import (
    TEST_PORT_OFFSET,
    by_persona,
    request,
    unique_subnet,
    urllib_digest,
)

PERSONAS = [
    "hanwha-ipc",
    "uniview-ipc",
    "reolink-ipc",
    "vivotek-ipc",
    "amcrest-ipc",
    "dahua-nvr",
    "hikvision-nvr",
    "hikvision-dvr",
    "lts-ipc",
    "xiongmai-dvr",
]


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = build_fleet(
        subnet=unique_subnet(),
        mix=dict.fromkeys(PERSONAS, 1),
        seed=12,
        port_offset=TEST_PORT_OFFSET,
    )
    with LabThread(fleet, protocols={"http"}):
        yield fleet


def test_hanwha_sunapi_device_info(estate: Fleet) -> None:
    device = by_persona(estate, "hanwha-ipc")
    path = "/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view"
    assert request(device, path)[0] == 401
    status, body = urllib_digest(device, path)
    fields = dict(line.split("=", 1) for line in body.decode().split("\r\n") if "=" in line)
    assert status == 200 and fields["Model"] == device.model and fields["DeviceType"] == "NWC"
    assert fields["SerialNumber"] == device.serial and fields["FirmwareVersion"] == device.firmware
    assert b"<title>Hanwha Techwin</title>" in request(device, "/wmf/index.html")[2]


def test_uniview_lapi(estate: Fleet) -> None:
    device = by_persona(estate, "uniview-ipc")
    status, body = urllib_digest(device, "/LAPI/V1.0/System/DeviceInfo")
    data = json.loads(body)["Response"]
    assert status == 200 and data["ResponseCode"] == 0
    assert (
        data["Data"]["DeviceModel"] == device.model
        and data["Data"]["SerialNumber"] == device.serial
    )
    status, body = urllib_digest(device, "/LAPI/V1.0/System/DeviceBasicInfo")
    assert status == 599 and json.loads(body)["Response"]["ResponseCode"] == 1


def test_reolink_api_login_flow(estate: Fleet) -> None:
    device = by_persona(estate, "reolink-ipc")
    status, _, body = request(device, "/cgi-bin/api.cgi", "POST", b"")
    assert (
        status == 200
        and b'"cmd" : "Unknown"' in body
        and b'"detail" : "please login first"' in body
    )
    login = [
        {
            "cmd": "Login",
            "action": 0,
            "param": {"User": {"userName": device.username, "password": "x"}},
        }
    ]
    failed = json.loads(
        request(device, "/cgi-bin/api.cgi?cmd=Login", "POST", json.dumps(login).encode())[2]
    )
    assert failed[0]["code"] == 1
    login[0]["param"]["User"]["password"] = device.password  # type: ignore[index]
    reply = json.loads(
        request(device, "/cgi-bin/api.cgi?cmd=Login", "POST", json.dumps(login).encode())[2]
    )
    token = reply[0]["value"]["Token"]["name"]
    body = json.dumps([{"cmd": "GetDevInfo", "action": 0, "param": {}}]).encode()
    info = json.loads(
        request(device, f"/cgi-bin/api.cgi?cmd=GetDevInfo&token={token}", "POST", body)[2]
    )
    dev = info[0]["value"]["DevInfo"]
    assert dev["model"] == device.model and dev["firmVer"] == device.firmware
    assert dev["hardVer"].startswith("IPC_") and dev["serial"] == device.serial
    forged = json.loads(
        request(device, "/cgi-bin/api.cgi?cmd=GetDevInfo&token=00", "POST", body)[2]
    )
    assert forged[0]["error"]["detail"] == "please login first"
    assert b'"version": "v1.0.227"' in request(device, "/js/client.config.js")[2]


def test_vivotek_getparam(estate: Fleet) -> None:
    device = by_persona(estate, "vivotek-ipc")
    path = "/cgi-bin/admin/getparam.cgi?system_info"
    status, headers, _ = request(device, path)
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="Network Camera"'
    token = base64.b64encode(f"{device.username}:{device.password}".encode()).decode()
    status, _, body = request(device, path, headers={"Authorization": f"Basic {token}"})
    assert status == 200
    assert f"system_info_serialnumber='{device.mac.replace(':', '').upper()}'".encode() in body
    assert f"system_info_firmwareversion='{device.firmware}'".encode() in body


def test_dahua_family_magicbox(estate: Fleet) -> None:
    amcrest = by_persona(estate, "amcrest-ipc")
    assert (
        urllib_digest(amcrest, "/cgi-bin/magicBox.cgi?action=getVendor")[1] == b"vendor=Amcrest\r\n"
    )
    status, body = urllib_digest(amcrest, "/cgi-bin/magicBox.cgi?action=getSoftwareVersion")
    assert status == 200 and b"00AC" in body  # Amcrest's OEM code in the version
    nvr = by_persona(estate, "dahua-nvr")
    status, body = urllib_digest(nvr, "/cgi-bin/magicBox.cgi?action=getSystemInfo")
    lines = body.decode().split("\r\n")
    assert "deviceType=31" in lines and f"updateSerial={nvr.model}" in lines


def test_hikvision_recorders(estate: Fleet) -> None:
    nvr = by_persona(estate, "hikvision-nvr")
    status, headers, body = request(nvr, "/ISAPI/System/deviceInfo")
    assert status == 401 and headers["Server"] == "DNVRS-Webs"
    challenge = headers["WWW-Authenticate"]
    assert 'domain="::"' in challenge and len(challenge.split('realm="')[1].split('"')[0]) == 32
    assert b"<statusString>Unauthorized</statusString>" in body
    status, body = urllib_digest(nvr, "/ISAPI/System/deviceInfo")
    assert status == 200 and b"<deviceType>NVR</deviceType>" in body
    dvr = by_persona(estate, "hikvision-dvr")
    status, headers, _ = request(dvr, "/ISAPI/System/deviceInfo")
    assert headers["Server"] == "DVRDVS-Webs"
    assert [v.split()[0] for v in headers.get_all("WWW-Authenticate") or []] == ["Digest", "Basic"]
    lts = by_persona(estate, "lts-ipc")
    status, body = urllib_digest(lts, "/ISAPI/System/deviceInfo")
    assert status == 200 and f"<model>{lts.model}</model>".encode() in body


def test_xiongmai_uc_httpd(estate: Fleet) -> None:
    device = by_persona(estate, "xiongmai-dvr")
    status, headers, body = request(device, "/")
    assert status == 200 and headers["Server"] == "uc-httpd 1.0.0"
    assert b"<title>NETSurveillance WEB</title>" in body
