"""HTTPS: vendor-style certificates, the web app over TLS, bad handshakes, the context cache."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from cryptography import x509

from camaudit.lab import Fleet, LabSettings, LabThread, build_fleet, load_personas
from camaudit.lab.base import ConnectionTracker, LabResources, ServiceContext
from camaudit.lab.tls_certs import TlsStore, build_certificate, generate_key
from camaudit.lab.tls_spec import parse_tls_spec
from tests.lab.lab_clients import https_get
from tests.lab.lab_helpers import TEST_PORT_OFFSET, by_persona, request, unique_subnet

PERSONAS = ["hikvision-nvr", "dahua-nvr", "axis-ipc", "bosch-ipc", "hikvision-ipc"]


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = build_fleet(
        subnet=unique_subnet(),
        mix=dict.fromkeys(PERSONAS, 1),
        seed=11,
        port_offset=TEST_PORT_OFFSET,
    )
    settings = LabSettings(tls_contexts=2, tls_handshake_timeout=1.0)
    with LabThread(fleet, settings=settings, protocols={"http", "https"}):
        yield fleet


def _cert(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def test_hikvision_recorder_certificate(estate: Fleet) -> None:
    status, body, der = https_get(by_persona(estate, "hikvision-nvr"), "/doc/page/login.asp")
    assert status == 200 and b"<title>Login</title>" in body
    cert = _cert(der)
    expected = "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
    assert cert.subject.rfc4514_string() == expected
    assert cert.issuer == cert.subject  # self-signed


def test_dahua_nvr_certificate_issuer_uses_no_break_spaces(estate: Fleet) -> None:
    device = by_persona(estate, "dahua-nvr")
    cert = _cert(https_get(device)[2])
    assert cert.subject.rfc4514_string() == f"CN={device.ip},C=CN"
    issuer_cn = cert.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert issuer_cn == "Dahua\u00a0Device\u00a0NVR\u00a0CA"
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 10950


def test_axis_certificate_names_the_mac(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    cert = _cert(https_get(device)[2])
    mac = device.mac.replace(":", "")
    assert cert.subject.rfc4514_string() == f"CN=axis-{mac},O=Axis Communications AB"


def test_bosch_certificate_is_issued_by_st_vs(estate: Fleet) -> None:
    cert = _cert(https_get(by_persona(estate, "bosch-ipc"))[2])
    assert "myboschcam.net" in cert.subject.rfc4514_string()
    assert "OU=ST-VS" in cert.issuer.rfc4514_string() and cert.issuer != cert.subject


def test_same_device_same_certificate_after_context_eviction(estate: Fleet) -> None:
    """Only 2 contexts are cached for 5 devices: evicted ones are rebuilt from the same PEM."""
    first = {d.persona: https_get(d)[2] for d in estate.devices}
    second = {d.persona: https_get(d)[2] for d in estate.devices}
    assert first == second and len(set(first.values())) == len(PERSONAS)


def test_garbage_and_silent_handshakes_do_not_hurt(estate: Fleet) -> None:
    device = by_persona(estate, "hikvision-ipc")
    with socket.create_connection((device.ip, device.ports["https"]), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")  # plain HTTP on the TLS port
        assert sock.recv(4096)[:1] in (b"", b"\x15")  # closed, or a TLS alert
    with socket.create_connection((device.ip, device.ports["https"]), timeout=5) as sock:
        assert sock.recv(10) == b""  # silent client: the 1 s handshake timeout closes it
    assert https_get(device)[0] == 200
    assert request(device, "/")[0] == 200


def test_certificate_builder_checks_country_and_dates() -> None:
    key = generate_key("ec256")
    spec = parse_tls_spec({"subject": [["CN", "x"], ["C", "GBR"]]})
    with pytest.raises(Exception, match="2 letters"):
        build_certificate(spec, {}, key)
    spec = parse_tls_spec({"subject": [["CN", "x"]], "not_before": "{when}"})
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        build_certificate(spec, {"when": "soon"}, key)
    with pytest.raises(Exception, match="attribute"):
        parse_tls_spec({"subject": [["XX", "x"]]})


def test_store_builds_one_key_per_persona() -> None:
    fleet = build_fleet(subnet=unique_subnet(), mix={"axis-ipc": 3}, port_offset=TEST_PORT_OFFSET)
    persona = load_personas()["axis-ipc"]
    spec = parse_tls_spec({"subject": [["CN", "axis-{mac_plain_lower}"]], "key": "ec256"})

    async def scenario() -> list[x509.Certificate]:
        store = TlsStore(max_contexts=1)
        certs = []
        for device in fleet.devices:
            ctx = ServiceContext(
                device,
                persona,
                "https",
                device.ip,
                443,
                b"s" * 32,
                LabSettings(),
                ConnectionTracker(),
                LabResources(),
            )
            certs.append(x509.load_pem_x509_certificate(await store.certificate_pem(ctx, spec)))
            await store.server_context(ctx, spec)
        assert store.cached_contexts == 1
        store.close()
        return certs

    certs = asyncio.run(scenario())
    assert len({c.public_key().public_numbers() for c in certs}) == 1  # type: ignore[union-attr]
    assert len({c.subject for c in certs}) == 3
