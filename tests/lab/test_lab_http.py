"""The three personas over real sockets: pages, vendor paths, headers, digest auth, RPC2 login."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re

from camaudit.lab import Fleet
from camaudit.lab.digest import authorization_header, parse_authorization
from camaudit.lab.handlers import dahua_login_hash
from tests.lab.lab_helpers import by_persona, request, urllib_digest

HIK_INFO = "/ISAPI/System/deviceInfo"
DAHUA_INFO = "/cgi-bin/magicBox.cgi?action=getSystemInfo"
AXIS_PARAM = "/axis-cgi/param.cgi?action=list&group=root.Brand"
AXIS_BDI = "/axis-cgi/basicdeviceinfo.cgi"


def _challenge(headers: http.client.HTTPMessage) -> dict[str, str]:
    for value in headers.get_all("WWW-Authenticate") or []:
        scheme, params = parse_authorization(value)
        if scheme == "digest" and isinstance(params, dict):
            return params
    raise AssertionError("no Digest challenge")


def test_addresses_are_loopback_and_distinct(trio: Fleet) -> None:
    assert len({d.ip for d in trio.devices}) == 3
    assert all(d.ip.startswith("127.") for d in trio.devices)


def test_hikvision_root_is_login_redirect_page(trio: Fleet) -> None:
    status, headers, body = request(by_persona(trio, "hikvision-ipc"), "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b"/doc/page/login.asp" in body
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    status, _, body = request(by_persona(trio, "hikvision-ipc"), "/doc/page/login.asp")
    assert status == 200 and b"<title>Login</title>" in body


def test_hikvision_deviceinfo_needs_digest(trio: Fleet) -> None:
    device = by_persona(trio, "hikvision-ipc")
    status, headers, body = request(device, HIK_INFO)
    assert status == 401
    challenge = _challenge(headers)
    assert challenge["qop"] == "auth" and challenge["stale"] == "FALSE"
    assert challenge["realm"] == device.context["realm"]
    assert re.fullmatch(r"IP Camera\([A-Z0-9]{5}\)|DS-[-A-Z0-9]+", challenge["realm"])
    assert b"Unauthorized" in body


def test_hikvision_deviceinfo_with_right_and_wrong_password(trio: Fleet) -> None:
    device = by_persona(trio, "hikvision-ipc")
    status, body = urllib_digest(device, HIK_INFO)
    assert status == 200
    text = body.decode()
    assert f"<model>{device.model}</model>" in text
    assert f"<serialNumber>{device.serial}</serialNumber>" in text
    assert f"<macAddress>{device.mac}</macAddress>" in text
    version, build = device.firmware.split(" ", 1)
    assert f"<firmwareVersion>{version}</firmwareVersion>" in text
    assert f"<firmwareReleasedDate>{build}</firmwareReleasedDate>" in text
    assert urllib_digest(device, HIK_INFO, password="wrong-password")[0] == 401


def test_hikvision_unknown_paths(trio: Fleet) -> None:
    device = by_persona(trio, "hikvision-ipc")
    status, _, body = request(device, "/no/such/page")
    assert status == 404 and b"Document Error: Not Found" in body
    assert request(device, "/ISAPI/No/Such")[0] == 401
    status, body = urllib_digest(device, "/ISAPI/No/Such")
    assert status == 403 and b"invalidOperation" in body


def test_dahua_root_page_and_no_server_header(trio: Fleet) -> None:
    status, headers, body = request(by_persona(trio, "dahua-ipc"), "/")
    assert status == 200
    assert re.search(rb"<title>WEB( SERVICE)?</title>", body)
    assert b"/RPC2_Login" in body and b"global.login" in body
    assert headers["Server"] is None


def test_dahua_magicbox_digest(trio: Fleet) -> None:
    device = by_persona(trio, "dahua-ipc")
    status, headers, _ = request(device, DAHUA_INFO)
    assert status == 401 and headers["Server"] is None
    assert _challenge(headers)["realm"] == f"Login to {device.serial}"
    status, body = urllib_digest(device, DAHUA_INFO)
    assert status == 200
    lines = dict(line.split("=", 1) for line in body.decode().split("\r\n") if line)
    assert lines["deviceType"] == device.model
    assert lines["serialNumber"] == device.serial
    assert body.endswith(b"\r\n")
    status, body = urllib_digest(device, "/cgi-bin/magicBox.cgi?action=getSoftwareVersion")
    assert status == 200 and body.decode().startswith("version=" + device.firmware.split(",")[0])
    assert urllib_digest(device, DAHUA_INFO, password="nope")[0] == 401
    assert urllib_digest(device, "/cgi-bin/magicBox.cgi?action=bogus")[0] in (400, 501)


def test_dahua_rpc2_login_challenge_then_login(trio: Fleet) -> None:
    device = by_persona(trio, "dahua-ipc")
    first = {
        "method": "global.login",
        "params": {
            "userName": "admin",
            "password": "",
            "clientType": "Web3.0",
            "loginType": "Direct",
        },
        "id": 1,
    }
    status, _, body = request(device, "/RPC2_Login", "POST", json.dumps(first).encode())
    reply = json.loads(body)
    assert status == 200 and reply["result"] is False
    assert reply["error"]["code"] == 268632079
    params = reply["params"]
    assert params["realm"] == f"Login to {device.serial}"
    assert params["mac"] == device.mac.replace(":", "").upper()
    assert re.fullmatch(r"[0-9a-f]{40}", params["authorization"])
    session = reply["session"]

    def login(password: str) -> dict[str, object]:
        second = {
            "method": "global.login",
            "params": {
                "userName": device.username,
                "password": dahua_login_hash(
                    device.username, password, params["realm"], params["random"]
                ),
                "clientType": "Web3.0",
                "loginType": "Direct",
                "authorityType": "Default",
            },
            "id": 2,
            "session": session,
        }
        _, _, raw = request(device, "/RPC2_Login", "POST", json.dumps(second).encode())
        result: dict[str, object] = json.loads(raw)
        return result

    assert login(device.password)["result"] is True
    assert login("wrong")["result"] is False
    # Independent check of the hash formula from protocols.md 5.2.
    ha1 = hashlib.md5(f"admin:{params['realm']}:{device.password}".encode()).hexdigest().upper()
    expect = hashlib.md5(f"admin:{params['random']}:{ha1}".encode()).hexdigest().upper()
    assert expect == dahua_login_hash("admin", device.password, params["realm"], params["random"])


def test_axis_root_redirects(trio: Fleet) -> None:
    device = by_persona(trio, "axis-ipc")
    status, headers, _ = request(device, "/")
    assert status == 302 and headers["Location"] == "/index.html"
    status, _, body = request(device, "/index.html")
    assert status == 200 and b"refresh" in body


def test_axis_basicdeviceinfo_without_auth(trio: Fleet) -> None:
    device = by_persona(trio, "axis-ipc")
    query = {"apiVersion": "1.0", "method": "getAllUnrestrictedProperties"}
    status, headers, body = request(device, AXIS_BDI, "POST", json.dumps(query).encode())
    if device.context["basic_device_info"] != "true":  # AXIS OS before 8.40: unknown CGI
        assert status == 401
        return
    assert status == 200 and headers["Content-Type"] == "application/json"
    props = json.loads(body)["data"]["propertyList"]
    assert props["Brand"] == "AXIS"
    assert props["ProdNbr"] == device.model
    assert props["ProdFullName"].startswith(f"AXIS {device.model}")
    assert props["Version"] == device.firmware
    assert props["SerialNumber"] == device.serial == device.mac.replace(":", "").upper()
    query["method"] = "getAllProperties"
    assert request(device, AXIS_BDI, "POST", json.dumps(query).encode())[0] == 401


def test_axis_param_cgi_digest(trio: Fleet) -> None:
    device = by_persona(trio, "axis-ipc")
    status, headers, _ = request(device, AXIS_PARAM)
    assert status == 401
    challenge = _challenge(headers)
    assert challenge["realm"] == "AXIS_" + device.mac.replace(":", "").upper()
    assert challenge["algorithm"] == "MD5" and challenge["qop"] == "auth"
    assert re.fullmatch(r"[A-Za-z0-9+/]{11}=[0-9a-f]{40}", challenge["nonce"])
    status, body = urllib_digest(device, AXIS_PARAM)
    assert status == 200
    assert f"root.Brand.ProdNbr={device.model}\n".encode() in body
    assert urllib_digest(device, AXIS_PARAM, password="x")[0] == 401


def test_digest_sha256_and_tampering(trio: Fleet) -> None:
    device = by_persona(trio, "axis-ipc")
    _, headers, _ = request(device, AXIS_PARAM)
    challenge = _challenge(headers)

    def answer(**overrides: str) -> int:
        header = authorization_header(
            {**challenge, **overrides},
            method="GET",
            uri=AXIS_PARAM,
            username=device.username,
            password=device.password,
        )
        return request(device, AXIS_PARAM, headers={"Authorization": header})[0]

    assert answer() == 200
    assert answer(algorithm="SHA-256") == 200
    nonce = challenge["nonce"]
    forged = nonce[:-1] + ("1" if nonce.endswith("0") else "0")
    assert answer(nonce=forged) == 401
    assert answer(realm="AXIS_000000000000") == 401
    basic = "Basic " + base64.b64encode(f"{device.username}:{device.password}".encode()).decode()
    assert request(device, AXIS_PARAM, headers={"Authorization": basic})[0] == 401


def test_favicons_and_head(trio: Fleet) -> None:
    sizes = set()
    for device in trio.devices:
        status, headers, body = request(device, "/favicon.ico")
        assert status == 200 and headers["Content-Type"] == "image/x-icon"
        assert body[:4] == b"\x00\x00\x01\x00"
        sizes.add(hashlib.md5(body).hexdigest())
        status, headers, body = request(device, "/", method="HEAD")
        assert body == b"" and int(headers["Content-Length"]) > 0
    assert len(sizes) == 3  # one icon per vendor


def test_keep_alive_per_persona(trio: Fleet) -> None:
    axis = by_persona(trio, "axis-ipc")
    conn = http.client.HTTPConnection(axis.ip, axis.ports["http"], timeout=10)
    for _ in range(3):  # three requests on one connection
        conn.request("GET", "/index.html")
        response = conn.getresponse()
        assert response.status == 200 and response.read()
    conn.close()
    _, headers, _ = request(by_persona(trio, "hikvision-ipc"), "/")
    assert headers["Connection"] == "close"  # GoAhead-style: one request per connection
