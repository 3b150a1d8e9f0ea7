"""Other makers' strings that collided with restricted-family patterns (found by red-teaming the
KB on public non-Hikvision/Dahua data: netbox-community/devicetype-library, nmap-service-probes,
OpenSSL cipher and IKE names): however the evidence carries them, no restricted claim."""

from __future__ import annotations

import json

import pytest

from camaudit.identify import Identifier
from camaudit.models import Evidence, EvidenceKind

RESTRICTED = {"hikvision", "dahua"}


@pytest.fixture(scope="module")
def ident() -> Identifier:
    return Identifier()


def _wrapped(text: str, maker: str = "") -> list[Evidence]:
    onvif = (
        f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{maker}</tds:Manufacturer>"
        f"<tds:Model>{text}</tds:Model></tds:GetDeviceInformationResponse>"
    )
    rows = [{"model": text}, {"description": f"{maker} {text}".strip()}]
    if maker:
        rows.append({"make": maker, "model": text})
    return [
        *(Evidence(EvidenceKind.ASSET_ROW, json.dumps(r).encode()) for r in rows),
        Evidence(EvidenceKind.HTTP, f"HTTP/1.1 200 OK\r\nServer: {text}\r\n\r\n".encode()),
        Evidence(EvidenceKind.BANNER, f"220 {text} FTP server ready.\r\n".encode()),
        Evidence(EvidenceKind.TLS, f"CN={text},O={maker or 'Example'}".encode()),
        Evidence(EvidenceKind.ONVIF_DEVINFO, onvif.encode()),
    ]


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("C887VA-K9", "Cisco"),  # ISR 800 router part numbers (Lorex C-series shape)
        ("C897VA-K9", "Cisco"),
        ("IDS-Server httpd", ""),  # nmap-service-probes product (Hikvision iDS- shape)
        ("DS-Lite", ""),
        ("DH-RSA-AES256-SHA", ""),  # OpenSSL cipher names (Dahua DH- shape)
        ("DH-DSS-AES128-GCM-SHA256", ""),
        ("DH-Group14", ""),  # a Diffie-Hellman group in VPN settings
        ("dh-group2", ""),
        ("IP4M-Series", ""),
    ],
)
def test_no_restricted_claim(ident: Identifier, text: str, maker: str) -> None:
    for ev in _wrapped(text, maker):
        result = ident.identify([ev])
        named = {str(result.manufacturer).lower(), str(result.brand).lower()}
        assert not named & RESTRICTED, (ev.kind, text, result.manufacturer, result.brand)


@pytest.mark.parametrize(
    "text",
    [
        "MariaDB LTS alternate version format",  # rapid7/recog fingerprint descriptions
        "Ubuntu Server LTS",
        "Jenkins LTS",
        "Linux kernel LTS 5.15",
        "PCIe Gen4 NVMe SSD",  # a generation, not the GenIV label
        "Dell PowerEdge R740 Gen4 riser",
    ],
)
def test_no_label_from_qualifier_words(ident: Identifier, text: str) -> None:
    for ev in (
        Evidence(EvidenceKind.ASSET_ROW, json.dumps({"description": text}).encode()),
        Evidence(EvidenceKind.BANNER, text.encode()),
        Evidence(EvidenceKind.HTTP, f"HTTP/1.1 200 OK\r\n\r\n<title>{text}</title>".encode()),
    ):
        result = ident.identify([ev])
        assert (result.manufacturer, result.brand) == (None, None), (ev.kind, text)


@pytest.mark.parametrize("text", ["LTS Platinum NVR", "4MP dome - LTS", "LTS"])
def test_lts_label_still_read(ident: Identifier, text: str) -> None:
    row = Evidence(EvidenceKind.ASSET_ROW, json.dumps({"description": text}).encode())
    result = ident.identify([row])
    assert (result.manufacturer, result.brand) == ("Hikvision", "LTS")


@pytest.mark.parametrize(
    ("model", "maker"),
    [
        ("DH-IPC", "Dahua"),
        ("DH-PFS-L8", "Dahua"),
        ("IP4M-1041B", "Dahua"),
        ("IP5M-T1179EW", "Dahua"),
        ("C883DA", "Dahua"),
        ("DS-TCG405", "Hikvision"),
        ("iDS-2CD7146G0-IZS", "Hikvision"),
    ],
)
def test_codes_still_read(ident: Identifier, model: str, maker: str) -> None:
    row = Evidence(EvidenceKind.ASSET_ROW, json.dumps({"model": model}).encode())
    assert ident.identify([row]).manufacturer == maker


def test_interlogix_alone_is_not_hikvision_but_truvision_is(ident: Identifier) -> None:
    def row(text: str) -> Evidence:
        return Evidence(EvidenceKind.ASSET_ROW, json.dumps({"description": text}).encode())

    panel = ident.identify([row("Interlogix NetworX NX-8 alarm panel")])
    assert (panel.manufacturer, panel.brand) == (None, "Interlogix")
    make = Evidence(EvidenceKind.ASSET_ROW, json.dumps({"make": "Interlogix TruVision"}).encode())
    assert ident.identify([make]).manufacturer == "Hikvision"
    assert ident.identify([row("TruVision TVN 22 recorder")]).manufacturer == "Hikvision"
