"""Authenticated inventory (ISAPI, Dahua magicBox) only with the user's credentials."""

from __future__ import annotations

import asyncio

import pytest

from camaudit.models import EvidenceKind
from camaudit.net.credentials import CredentialStore
from camaudit.probes.base import ProbeStatus
from camaudit.probes.dahua_http import ACTIONS, DahuaHttpProbe
from camaudit.probes.isapi import IsapiProbe
from tests.probes.fakes import HOST, DigestGate, ctx, http_responder, response, tcp_server

USER, PASSWORD = "auditor", "Correct-Horse-9"
DEVICE_INFO = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" '
    b'xmlns="http://www.hikvision.com/ver20/XMLSchema">\n<deviceName>IP CAMERA</deviceName>\n'
    b"<model>DS-2CD2386G2-IU</model>\n<serialNumber>DS-2CD2386G2-IU00000000AAWRJ00000000</serialNumber>\n"
    b"<macAddress>24:0f:9b:00:00:01</macAddress>\n<firmwareVersion>V5.7.18</firmwareVersion>\n"
    b"<firmwareReleasedDate>build 240826</firmwareReleasedDate>\n<deviceType>IPCamera</deviceType>\n"
    b"<manufacturer>hikvision</manufacturer>\n</DeviceInfo>\n"
)
MAGICBOX = {
    "getSystemInfo": b"appAutoStart=true\r\ndeviceType=IPC-HDW5831R-ZE\r\nhardwareVersion=1.00\r\n"
    b"processor=S3LM\r\nserialNumber=4H01D66PAJ2FA64\r\nupdateSerial=IPC-HDW5831R-ZE\r\n",
    "getDeviceType": b"type=IPC-HDW5831R-ZE\r\n",
    "getSoftwareVersion": b"version=2.800.0000016.0.R,build:2020-06-05\r\n",
    "getVendor": b"vendor=Dahua\r\n",
}


def store(protocols: list[str], password: str = PASSWORD, scope: str = HOST) -> CredentialStore:
    return CredentialStore.from_data(
        [{"scope": scope, "username": USER, "password": password, "protocols": protocols}]
    )


def gated(gate: DigestGate, ok):
    def routes(req: bytes) -> bytes:
        if gate.authorised(req):
            return ok(req)
        return response(
            "401 Unauthorized", {"WWW-Authenticate": gate.challenge()}, b"<html>401</html>"
        )

    return routes


def magicbox(req: bytes) -> bytes:
    action = req.split(b"action=", 1)[1].split(b" ", 1)[0].decode()
    return response("200 OK", {"Content-Type": "text/plain"}, MAGICBOX[action])


def run(probe, routes, credentials=None, seen=None, timeout=1.0):
    async def main():
        async with tcp_server(http_responder(routes, seen)) as port:
            return await probe.run(HOST, port, ctx(timeout=timeout, credentials=credentials))

    return asyncio.run(main())


@pytest.mark.parametrize("probe", [IsapiProbe(), DahuaHttpProbe()], ids=lambda p: p.name)
def test_nothing_is_sent_without_credentials(probe):
    seen: list[bytes] = []
    for credentials in (None, store(["onvif"]), store([probe.name], scope="127.0.0.2")):
        result = run(probe, lambda r: response("200 OK"), credentials, seen)
        assert result.status is ProbeStatus.SKIPPED
    assert seen == []


@pytest.mark.parametrize("algorithm", [None, "SHA-256"])
def test_isapi_device_info_with_digest(algorithm):
    gate = DigestGate(USER, PASSWORD, algorithm=algorithm)
    seen: list[bytes] = []
    result = run(
        IsapiProbe(),
        gated(gate, lambda r: response("200 OK", {"Content-Type": "application/xml"}, DEVICE_INFO)),
        store(["isapi"]),
        seen,
    )
    assert result.status is ProbeStatus.SUCCESS
    (ev,) = result.evidence
    assert ev.kind is EvidenceKind.ISAPI and ev.payload == DEVICE_INFO
    assert ev.source == "probe:isapi GET /ISAPI/System/deviceInfo"
    assert len(seen) == 2 and b"Authorization: Digest" in seen[1]
    assert all(PASSWORD.encode() not in r for r in seen)


def test_isapi_wrong_password_is_tried_once():
    gate = DigestGate(USER, PASSWORD)
    seen: list[bytes] = []
    result = run(
        IsapiProbe(), gated(gate, lambda r: response("200 OK")), store(["isapi"], "nope"), seen
    )
    assert result.status is ProbeStatus.AUTH_FAILED
    assert len(gate.attempts) == 1
    assert [e.kind for e in result.evidence] == [EvidenceKind.HTTP]  # the 401 (realm) is kept


def test_isapi_basic_only_device_gets_no_password_over_plain_http():
    seen: list[bytes] = []
    result = run(
        IsapiProbe(),
        lambda r: response("401 Unauthorized", {"WWW-Authenticate": 'Basic realm="DS-2CD2132-I"'}),
        store(["isapi"]),
        seen,
    )
    assert len(seen) == 1 and b"Authorization" not in seen[0]
    assert "Basic" in (result.detail or "")


def test_dahua_magicbox_reuses_the_nonce():
    gate = DigestGate(USER, PASSWORD, realm="Login to 4H01D66PAJ2FA64")
    seen: list[bytes] = []
    result = run(DahuaHttpProbe(), gated(gate, magicbox), store(["dahua_http"]), seen)
    assert result.status is ProbeStatus.SUCCESS
    assert [e.kind for e in result.evidence] == [EvidenceKind.DAHUA_CGI] * len(ACTIONS)
    assert [e.payload for e in result.evidence] == [MAGICBOX[a] for a in ACTIONS]
    assert len(seen) == len(ACTIONS) + 1  # one 401, then every action pre-authorised
    assert [r.split(b"nc=", 1)[1][:8] for r in seen[1:]] == [b"%08x" % n for n in range(1, 5)]


def test_dahua_stale_nonce_is_renewed_once():
    gate = DigestGate(USER, PASSWORD)
    calls = {"n": 0}

    def routes(req: bytes) -> bytes:
        calls["n"] += 1
        if calls["n"] == 3:  # the device rotates its nonce after the first answer
            gate.nonce = "feedfacefeedface"
            return response("401 Unauthorized", {"WWW-Authenticate": gate.challenge(stale=True)})
        return gated(gate, magicbox)(req)

    result = run(DahuaHttpProbe(), routes, store(["dahua_http"]))
    assert result.status is ProbeStatus.SUCCESS and len(result.evidence) == len(ACTIONS)


def test_dahua_credentials_never_reach_evidence():
    def routes(req: bytes) -> bytes:
        # a hostile device echoing the request (Authorization header included) and the password
        return response("200 OK", body=b"echo=" + req + b"\r\npw=" + PASSWORD.encode() + b"\r\n")

    result = run(DahuaHttpProbe(), routes, store(["dahua_http"]))
    assert result.evidence
    for ev in result.evidence:
        assert PASSWORD.encode() not in ev.payload
        assert b"Authorization" not in ev.payload


def test_against_the_lab_with_its_credentials():
    from camaudit.identify import Identifier
    from camaudit.lab import LabThread, build_fleet
    from tests.probes.fakes import own_subnet

    mix = {"hikvision-ipc": 1, "dahua-ipc": 1}
    fleet = build_fleet(subnet=own_subnet(), seed=7, mix=mix, port_offset=20000)
    hik = next(d for d in fleet.devices if d.persona == "hikvision-ipc")
    dahua = next(d for d in fleet.devices if d.persona == "dahua-ipc")
    entries = [
        {"scope": d.ip, "username": d.username, "password": d.password} for d in fleet.devices
    ]
    credentials = CredentialStore.from_data(entries)

    async def main():
        c = ctx(timeout=3.0, scope=fleet.subnet, credentials=credentials)
        return (
            await IsapiProbe().run(hik.ip, hik.ports["http"], c),
            await DahuaHttpProbe().run(dahua.ip, dahua.ports["http"], c),
        )

    with LabThread(fleet):
        isapi, dahua_result = asyncio.run(main())
    assert isapi.status is ProbeStatus.SUCCESS, isapi
    assert dahua_result.status is ProbeStatus.SUCCESS, dahua_result
    identifier = Identifier()
    for result, device in ((isapi, hik), (dahua_result, dahua)):
        identity = identifier.identify(result.evidence)
        assert identity.manufacturer == device.manufacturer
        assert identity.model == device.model
        for ev in result.evidence:
            assert device.password.encode() not in ev.payload
