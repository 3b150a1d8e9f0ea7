"""RTSP: OPTIONS, vendor realms and challenges, DESCRIBE with credentials, hostile input."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest

from camaudit.lab import Fleet, LabDevice, LabThread
from tests.lab.lab_clients import digest_authorization, header_values, rtsp, tcp_exchange
from tests.lab.lab_helpers import pinned_fleet, unique_subnet

DEVICES = [
    ("hikvision-ipc", "V5.2."),
    ("hikvision-ipc", "V5.7."),
    ("dahua-ipc", "2.400."),
    ("dahua-ipc", "2.800."),
    ("hanwha-ipc", "2.10."),
    ("axis-ipc", "10."),
]
STREAMS = {
    "hikvision-ipc": "/Streaming/Channels/101",
    "dahua-ipc": "/cam/realmonitor?channel=1&subtype=0",
    "hanwha-ipc": "/profile2/media.smp",
    "axis-ipc": "/axis-media/media.amp",
}


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = pinned_fleet(unique_subnet(), DEVICES)
    with LabThread(fleet, protocols={"rtsp"}):
        yield fleet


def _pick(fleet: Fleet, index: int) -> LabDevice:
    return fleet.devices[index]


def _describe_with_digest(device: LabDevice) -> bytes:
    path = STREAMS[device.persona]
    first = rtsp(device, "DESCRIBE", path)
    challenge = next(v for v in header_values(first, "WWW-Authenticate") if v.startswith("Digest"))
    uri = f"rtsp://{device.ip}:{device.ports['rtsp']}{path}"
    auth = digest_authorization(
        challenge, username=device.username, password=device.password, method="DESCRIBE", uri=uri
    )
    return rtsp(device, "DESCRIBE", path, f"Authorization: {auth}\r\n")


def test_options_without_credentials(estate: Fleet) -> None:
    for device in estate.devices:
        answer = rtsp(device, "OPTIONS")
        assert answer.startswith(b"RTSP/1.0 200 OK\r\nCSeq: 2\r\n"), answer
        assert "DESCRIBE" in header_values(answer, "Public")[0]


def test_hikvision_challenges_per_era(estate: Fleet) -> None:
    old, new = _pick(estate, 0), _pick(estate, 1)
    challenges = header_values(rtsp(old, "DESCRIBE", STREAMS[old.persona]), "WWW-Authenticate")
    assert [c.split()[0] for c in challenges] == ["Digest", "Basic"]
    assert f'realm="{old.model}"' in challenges[0]
    answer = rtsp(new, "DESCRIBE", STREAMS[new.persona])
    assert answer.startswith(b"RTSP/1.0 401 Unauthorized")
    (challenge,) = header_values(answer, "WWW-Authenticate")
    assert (
        challenge.startswith(f'Digest realm="{new.context["realm"]}"')
        and 'stale="FALSE"' in challenge
    )
    assert not header_values(answer, "Server")


def test_hikvision_describe_returns_sdp_with_media_header(estate: Fleet) -> None:
    device = _pick(estate, 1)
    answer = _describe_with_digest(device)
    assert answer.startswith(b"RTSP/1.0 200 OK"), answer[:200]
    _head, body = answer.split(b"\r\n\r\n", 1)
    assert header_values(answer, "Content-Type") == ["application/sdp"]
    assert int(header_values(answer, "Content-Length")[0]) == len(body)
    assert body.startswith(b"v=0\r\n") and b"a=Media_header:MEDIAINFO=494D4B48" in body
    assert header_values(answer, "Content-Base")[0].endswith("/Streaming/Channels/101/")


def test_dahua_old_basic_and_new_login_to_realm(estate: Fleet) -> None:
    old, new = _pick(estate, 2), _pick(estate, 3)
    answer = rtsp(old, "DESCRIBE", STREAMS[old.persona])
    assert header_values(answer, "Server") == ["Rtsp Server/2.0"]
    assert header_values(answer, "WWW-Authenticate") == ['Basic realm="DahuaRtsp"']
    token = base64.b64encode(f"{old.username}:{old.password}".encode()).decode()
    ok = rtsp(old, "DESCRIBE", STREAMS[old.persona], f"Authorization: Basic {token}\r\n")
    assert ok.startswith(b"RTSP/1.0 200 OK") and b"m=video" in ok
    (challenge,) = header_values(rtsp(new, "DESCRIBE", STREAMS[new.persona]), "WWW-Authenticate")
    assert challenge.startswith(f'Digest realm="Login to {new.serial}", nonce="')
    assert _describe_with_digest(new).startswith(b"RTSP/1.0 200 OK")


def test_hanwha_ipolis_realm_and_axis(estate: Fleet) -> None:
    hanwha, axis = _pick(estate, 4), _pick(estate, 5)
    answer = rtsp(hanwha, "DESCRIBE", STREAMS[hanwha.persona])
    names = [line.split(b":")[0] for line in answer.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]]
    assert names[:5] == [b"CSeq", b"Date", b"Expires", b"Cache-Control", b"WWW-Authenticate"]
    (challenge,) = header_values(answer, "WWW-Authenticate")
    nonce = challenge.split('nonce="')[1].rstrip('"')
    assert 'realm="iPOLiS"' in challenge and len(nonce) == 32 and nonce == nonce.upper()
    assert _describe_with_digest(hanwha).startswith(b"RTSP/1.0 200 OK")
    assert _describe_with_digest(axis).startswith(b"RTSP/1.0 200 OK")


def test_wrong_password_unknown_path_and_other_methods(estate: Fleet) -> None:
    device = _pick(estate, 3)
    path = STREAMS[device.persona]
    challenge = header_values(rtsp(device, "DESCRIBE", path), "WWW-Authenticate")[0]
    uri = f"rtsp://{device.ip}:{device.ports['rtsp']}{path}"
    bad = digest_authorization(
        challenge, username=device.username, password="nope", method="DESCRIBE", uri=uri
    )
    assert rtsp(device, "DESCRIBE", path, f"Authorization: {bad}\r\n").startswith(b"RTSP/1.0 401")
    good = digest_authorization(
        challenge,
        username=device.username,
        password=device.password,
        method="DESCRIBE",
        uri=f"rtsp://{device.ip}:{device.ports['rtsp']}/nope",
    )
    missing = rtsp(device, "DESCRIBE", "/nope", f"Authorization: {good}\r\n")
    assert missing.startswith(b"RTSP/1.0 404 Not Found")
    setup = digest_authorization(
        challenge, username=device.username, password=device.password, method="SETUP", uri=uri
    )
    assert rtsp(device, "SETUP", path, f"Authorization: {setup}\r\n").startswith(b"RTSP/1.0 461")
    assert rtsp(device, "RECORD", path).startswith(b"RTSP/1.0 405")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n", b"505"),
        (b"OPTIONS * HTTP/1.1\r\n\r\n", b"400"),
        (b"OPTIONS * RTSP/1.0\r\n bad folding\r\n\r\n", b"400"),
        (b"ANNOUNCE * RTSP/1.0\r\nContent-Length: 99999\r\n\r\n", b"413"),
    ],
)
def test_malformed_requests_answered_and_closed(
    estate: Fleet, payload: bytes, status: bytes
) -> None:
    device = _pick(estate, 0)
    answer = tcp_exchange(device.ip, device.ports["rtsp"], payload)
    assert answer.startswith(b"RTSP/1.0 " + status), answer
    assert rtsp(device, "OPTIONS").startswith(b"RTSP/1.0 200")


def test_oversized_head_is_dropped(estate: Fleet) -> None:
    device = _pick(estate, 0)
    with socket.create_connection((device.ip, device.ports["rtsp"]), timeout=10) as sock:
        sock.sendall(b"OPTIONS * RTSP/1.0\r\nX: " + b"a" * 40000 + b"\r\n\r\n")
        assert sock.recv(100) == b""
    assert rtsp(device, "OPTIONS").startswith(b"RTSP/1.0 200")
