"""A realistic small estate for report tests: devices identified from realistic evidence.

The evidence below is written for these tests in the shapes real devices answer with (ISAPI
deviceInfo, ONVIF GetDeviceInformation, Dahua CGI key=value, HTTP responses, asset-register
rows); identities come from the shipped knowledge base, so every device has a real evidence chain.
"""

from __future__ import annotations

from datetime import UTC, datetime

from camaudit.identify import Identifier
from camaudit.models import Device, Evidence, EvidenceKind, Finding, Severity

ORG = "Example Borough Council"
GENERATED = datetime(2025, 1, 6, 14, 3, tzinfo=UTC)
FIRST_SEEN = datetime(2025, 1, 2, 9, 30, tzinfo=UTC)
LAST_SEEN = datetime(2025, 1, 5, 17, 45, tzinfo=UTC)
HOSTILE_MODEL = '=HYPERLINK("http://attacker.invalid/x","open")'
HOSTILE_FIRMWARE = "<script>alert(1)</script>"
CJK_MAKER_TEXT = "Hikvision 海康威视"
CJK_SITE = "Chinatown Gate 唐人街"
META = {
    "org": ORG,
    "generated": GENERATED,
    "database": "postgresql+psycopg://camaudit:s3cret-pw@127.0.0.1:5432/camaudit",
    "audits": [11, 12],
}


def onvif(maker: str, model: str, firmware: str, serial: str) -> Evidence:
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>'
        f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{maker}</tds:Manufacturer>"
        f"<tds:Model>{model}</tds:Model><tds:FirmwareVersion>{firmware}</tds:FirmwareVersion>"
        f"<tds:SerialNumber>{serial}</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId>"
        "</tds:GetDeviceInformationResponse></s:Body></s:Envelope>"
    )
    return Evidence(EvidenceKind.ONVIF_DEVINFO, doc.encode(), port=80, ts=LAST_SEEN)


def isapi_device_info() -> Evidence:
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">\n'
        "<deviceName>Market Sq North</deviceName>\n"
        "<deviceID>8c2b4d1e-1f3a-11b2-8ed4-c42f90a1b2c3</deviceID>\n"
        "<model>DS-2CD2143G2-I</model>\n"
        "<serialNumber>DS-2CD2143G2-I20210315AAWRF12345678</serialNumber>\n"
        "<macAddress>c4:2f:90:a1:b2:c3</macAddress>\n"
        "<firmwareVersion>V5.7.3</firmwareVersion>\n"
        "<firmwareReleasedDate>build 220112</firmwareReleasedDate>\n"
        "<deviceType>IPCamera</deviceType>\n"
        "</DeviceInfo>\n"
    )
    return Evidence(EvidenceKind.ISAPI, doc.encode(), port=80, ts=FIRST_SEEN)


def http(raw: str) -> Evidence:
    return Evidence(EvidenceKind.HTTP, raw.encode(), port=80, ts=LAST_SEEN)


def asset_row(row: str) -> Evidence:
    return Evidence(EvidenceKind.ASSET_ROW, row.encode(), source="register.xlsx", ts=FIRST_SEEN)


def mac(value: str) -> Evidence:
    return Evidence(EvidenceKind.MAC, value.encode(), ts=LAST_SEEN)


#: (site, ip, evidence) per device.
SPECS: list[tuple[str, str, list[Evidence]]] = [
    ("Market Square", "127.20.0.11", [isapi_device_info(), mac("c4:2f:90:a1:b2:c3")]),
    (
        "Bus Station",
        "127.20.0.12",
        [onvif("LTS", "CMIP3C42W-28", "V5.5.0 build 170914", "CMIP3C42W-2820180101CCWR1234")],
    ),
    (
        "Civic Centre",
        "127.20.0.13",
        [
            Evidence(
                EvidenceKind.DAHUA_CGI,
                b"deviceType=IPC-HDW2431T-AS-S2\r\nhardwareVersion=1.00\r\nprocessor=S3LM\r\n"
                b"serialNumber=6G0A1B2PAZ12345\r\nupdateSerial=IPC-HDW2431T-AS-S2\r\n",
                port=80,
                ts=LAST_SEEN,
            ),
            Evidence(
                EvidenceKind.DAHUA_CGI,
                b"version=2.800.0000000.25.R,build:2021-08-19\r\n",
                ts=LAST_SEEN,
            ),
        ],
    ),
    (
        "Market Square",
        "127.20.0.14",
        [
            http(
                "HTTP/1.1 401 Unauthorized\r\nServer: Apache/2.4.54\r\n"
                'WWW-Authenticate: Digest realm="AXIS_ACCC8E012345", nonce="a1b2", qop="auth"\r\n'
                "Content-Length: 0\r\n\r\n"
            ),
            onvif("AXIS", "P3245-LVE", "10.12.114", "ACCC8E012345"),
        ],
    ),
    (
        "Car Park",
        "127.20.0.15",
        [
            http(
                "HTTP/1.1 200 OK\r\nServer: thttpd/2.25b 29dec2003\r\nContent-Type: text/html\r\n\r\n"
                "<html><head><title>NETSurveillance WEB</title></head><body></body></html>"
            )
        ],
    ),
    (
        "Car Park",
        "127.20.0.16",
        [
            http("HTTP/1.1 200 OK\r\nServer: lighttpd\r\n\r\n<html><title>Login</title></html>"),
            mac("00:12:34:56:78:9a"),
        ],
    ),
    (
        "Civic Centre",
        "127.20.0.17",
        [onvif("AXIS", "M3106-L Mk II", "9.80.3", "ACCC8E0A0B0C"), mac("c4:2f:90:11:22:33")],
    ),
    (
        CJK_SITE,
        "127.20.0.18",
        [asset_row(f'{{"make": "{CJK_MAKER_TEXT}", "model": "DS-2DE4425IW-DE"}}')],
    ),
    (
        "Bus Station",
        "127.20.0.19",
        [onvif("Hikvision", HOSTILE_MODEL.replace('"', "&quot;"), "V5.6.0", "EVIL0001")],
    ),
]


def build_estate(identifier: Identifier) -> list[Device]:
    """The devices of :data:`SPECS`, identified; the last one carries hostile strings."""
    devices = []
    for site, ip, evidence in SPECS:
        ident = identifier.identify(evidence)
        key = f"mac:{ident.mac}" if ident.mac else f"ip:{ip}"
        serial = {"serial": ident.serial} if ident.serial else {}
        devices.append(Device(key, ORG, ident, site, ip, ident.mac, FIRST_SEEN, LAST_SEEN, serial))
    hostile = devices[-1].identity
    hostile.model = HOSTILE_MODEL  # whatever the KB kept, the report must neutralise this
    hostile.firmware = HOSTILE_FIRMWARE
    return devices


def build_findings(devices: list[Device]) -> list[Finding]:
    """Findings as the policy engine would raise them, plus one for a device not listed."""
    out = []
    for d in devices:
        for r in d.identity.restricted:
            if r.policy == "ndaa-889":
                out.append(Finding(d.key, "ndaa-889", Severity.HIGH, "Covered equipment", r.reason))
        if d.site == "Civic Centre" and d.identity.restricted:
            out.append(
                Finding(
                    d.key,
                    "uk-2022-sensitive-sites",
                    Severity.CRITICAL,
                    "Restricted vendor on a sensitive site",
                    "Civic Centre is marked sensitive",
                )
            )
    hik = devices[0]
    out.append(
        Finding(hik.key, "cve-2021-36260", Severity.CRITICAL, "CVE-2021-36260 command injection")
    )
    out.append(
        Finding("ip:127.20.9.9", "vendor-p2p-cloud", Severity.MEDIUM, "Talks to vendor cloud")
    )
    return out
