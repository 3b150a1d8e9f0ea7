"""ONVIF: pre-auth clock, device information unauthenticated, then Digest or WS-UsernameToken."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from camaudit.models import EvidenceKind
from camaudit.net.credentials import CredentialStore
from camaudit.probes.base import ProbeStatus
from camaudit.probes.onvif import (
    OnvifProbe,
    created_stamp,
    device_utc,
    password_digest,
    xaddr_paths,
)
from tests.probes.fakes import HOST, DigestGate, ctx, http_responder, response, tcp_server

USER, PASSWORD = "onvifuser", "Sup3r-Secret!"
SKEW = timedelta(hours=3)  # the device clock runs ahead of ours
DEVINFO = (
    b'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body><tds:GetDeviceInformationResponse>'
    b"<tds:Manufacturer>Dahua</tds:Manufacturer><tds:Model>IPC-HDW1025C</tds:Model>"
    b"<tds:FirmwareVersion>2.420.Dahua 00.14.R, build: 2016-06-18</tds:FirmwareVersion>"
    b"<tds:SerialNumber>2J01018PAA00813</tds:SerialNumber><tds:HardwareId>1.00</tds:HardwareId>"
    b"</tds:GetDeviceInformationResponse></env:Body></env:Envelope>"
)
FAULT = (
    b'<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault><env:Code><env:Value>'
    b"env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode>"
    b"</env:Code></env:Fault></env:Body></env:Envelope>"
)


def clock_reply(now: datetime) -> bytes:
    body = (
        '<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">'
        "<env:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
        "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
        f"<tt:UTCDateTime><tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
        f"<tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>{now.year}</tt:Year>"
        f"<tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date></tt:UTCDateTime>"
        "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></env:Body></env:Envelope>"
    )
    return response(
        "200 OK",
        {"Server": "gSOAP/2.8", "Content-Type": "application/soap+xml; charset=utf-8"},
        body.encode(),
    )


def token_valid(request: bytes, password: str) -> bool:
    def field(name: str) -> str | None:
        m = re.search(rf"<wsse:{name}\b[^>]*>([^<]*)<".encode(), request) or re.search(
            rf"<wsu:{name}>([^<]*)<".encode(), request
        )
        return m.group(1).decode() if m else None

    user, digest, nonce, created = (field(n) for n in ("Username", "Password", "Nonce", "Created"))
    if None in (user, digest, nonce, created) or user != USER:
        return False
    expected = base64.b64encode(
        hashlib.sha1(base64.b64decode(nonce) + created.encode() + password.encode()).digest()
    ).decode()
    when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    fresh = abs(when - (datetime.now(UTC) + SKEW)) < timedelta(minutes=5)
    return digest == expected and fresh


def onvif_device(
    mode: str,
    seen: list[bytes],
    gate: DigestGate | None = None,
    path: str = "/onvif/device_service",
):
    def routes(req: bytes) -> bytes:
        line = req.split(b"\r\n", 1)[0]
        if not line.startswith(f"POST {path} ".encode()):
            return response("404 Not Found")
        if b"GetSystemDateAndTime" in req:
            return clock_reply(datetime.now(UTC) + SKEW)
        if mode == "open":
            return response("200 OK", {"Content-Type": "application/soap+xml"}, DEVINFO)
        if mode == "digest":
            assert gate is not None
            if gate.authorised(req):
                return response("200 OK", {"Content-Type": "application/soap+xml"}, DEVINFO)
            return response("401 Unauthorized", {"WWW-Authenticate": gate.challenge()})
        if mode == "wsse" and b"UsernameToken" in req and token_valid(req, PASSWORD):
            return response("200 OK", {"Content-Type": "application/soap+xml"}, DEVINFO)
        return response("400 Bad Request", {"Content-Type": "application/soap+xml"}, FAULT)

    return http_responder(routes, seen)


def creds(password: str = PASSWORD) -> CredentialStore:
    return CredentialStore.from_data(
        [{"scope": HOST, "username": USER, "password": password, "protocols": ["onvif"]}]
    )


def run_probe(handler, store=None, hints=None):
    async def main():
        async with tcp_server(handler) as port:
            c = ctx(timeout=1.0, credentials=store)
            if hints:
                c.hints.add_xaddrs(HOST, [h.format(port=port) for h in hints])
            return await OnvifProbe().run(HOST, port, c)

    return asyncio.run(main())


def devinfo(result):
    return [e for e in result.evidence if e.kind is EvidenceKind.ONVIF_DEVINFO]


def assert_no_secret(result, seen):
    for e in result.evidence:
        assert PASSWORD.encode() not in e.payload and b"Authorization" not in e.payload
        assert b"PasswordDigest" not in e.payload
    assert not any(PASSWORD.encode() in r for r in seen)  # never sent in clear either


def test_open_device_answers_without_credentials():
    seen: list[bytes] = []
    result = run_probe(onvif_device("open", seen))
    assert result.status is ProbeStatus.SUCCESS
    assert len(devinfo(result)) == 1 and b"IPC-HDW1025C" in devinfo(result)[0].payload
    clock = result.evidence[0]
    assert clock.kind is EvidenceKind.HTTP and b"gSOAP/2.8" in clock.payload
    assert not any(b"Authorization" in r or b"UsernameToken" in r for r in seen)


def test_without_credentials_the_401_is_recorded_and_nothing_guessed():
    seen: list[bytes] = []
    gate = DigestGate(USER, PASSWORD, realm="DS-2CD2310FD-I")
    result = run_probe(onvif_device("digest", seen, gate))
    assert result.status is ProbeStatus.SUCCESS and devinfo(result) == []
    assert any(b'realm="DS-2CD2310FD-I"' in e.payload for e in result.evidence)
    assert "needs credentials" in (result.detail or "")
    assert gate.attempts == []


@pytest.mark.parametrize("algorithm", [None, "MD5", "SHA-256"])
def test_http_digest_with_the_users_credential(algorithm):
    seen: list[bytes] = []
    gate = DigestGate(USER, PASSWORD, algorithm=algorithm)
    result = run_probe(onvif_device("digest", seen, gate), creds())
    assert len(devinfo(result)) == 1 and result.status is ProbeStatus.SUCCESS
    assert len(gate.attempts) == 1
    assert_no_secret(result, seen)


def test_ws_username_token_follows_the_device_clock():
    seen: list[bytes] = []
    result = run_probe(onvif_device("wsse", seen), creds())
    assert len(devinfo(result)) == 1, result
    assert devinfo(result)[0].source.endswith("(WS-UsernameToken)")
    assert_no_secret(result, seen)


@pytest.mark.parametrize("mode", ["digest", "wsse"])
def test_wrong_password_is_auth_failed_after_few_attempts(mode):
    seen: list[bytes] = []
    gate = DigestGate(USER, PASSWORD)
    result = run_probe(onvif_device(mode, seen, gate), creds("wrong-password"))
    assert result.status is ProbeStatus.AUTH_FAILED
    assert devinfo(result) == []
    credentialed = [r for r in seen if b"Authorization" in r or b"UsernameToken" in r]
    assert 1 <= len(credentialed) <= 2


def test_xaddrs_from_ws_discovery_choose_the_path():
    seen: list[bytes] = []
    result = run_probe(
        onvif_device("open", seen, path="/onvif/custom"),
        hints=["http://127.0.0.1:{port}/onvif/custom", "http://10.9.9.9/onvif/device_service"],
    )
    assert len(devinfo(result)) == 1
    assert all(r.startswith(b"POST /onvif/custom ") for r in seen)


def test_not_onvif_is_a_protocol_error():
    result = run_probe(http_responder(lambda r: response("404 Not Found", body=b"<html>no</html>")))
    assert result.status is ProbeStatus.PROTOCOL_ERROR


def test_helpers():
    assert xaddr_paths(
        [
            "http://127.0.0.1/onvif/device_service",
            "http://127.0.0.1:8080/x",
            "https://127.0.0.1/y",
            "http://[bad",
        ],
        "127.0.0.1",
        80,
    ) == ["/onvif/device_service"]
    # OASIS example: nonce, created and password give this digest
    nonce = base64.b64decode("LKqI6G/AikKCQrN0zqZFlg==")
    assert (
        password_digest(nonce, "2010-09-16T07:50:45Z", "userpassword")
        == "tuOSpGlFlIXsozq4HFNeeGeFLEI="
    )
    assert (
        created_stamp(datetime(2014, 12, 24, 16, 29, 56, 117000, tzinfo=UTC))
        == "2014-12-24T16:29:56.117Z"
    )
    assert device_utc(b"<UTCDateTime><Hour>99</Hour></UTCDateTime>") is None
    assert device_utc(clock_reply(datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC))) == datetime(
        2020, 1, 2, 3, 4, 5, tzinfo=UTC
    )
