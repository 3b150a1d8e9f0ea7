"""A lab-like estate for assessment tests: realistic evidence per device, identified for real.

Each entry is the evidence a scan of that device would record (our own text, shaped like the
public protocol facts in shared/reference/protocols.md: ISAPI deviceInfo, SADP ProbeMatch, DHIP
notifyDevInfo, Dahua magicBox/RPC2, ONVIF GetDeviceInformation, VAPIX basicdeviceinfo, MAC
addresses from each maker's IEEE blocks). Devices are built by running the real Identifier on
that evidence against the shipped KB: nothing sets a manufacturer by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from camaudit.identify import Identifier
from camaudit.models import Device, Evidence, EvidenceKind, Sensitivity

K = EvidenceKind


def ev(
    kind: EvidenceKind, data: str, *, port: int | None = None, source: str | None = None
) -> Evidence:
    return Evidence(kind, data.encode("utf-8"), port=port, source=source)


def onvif(manufacturer: str, model: str, firmware: str, serial: str) -> Evidence:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><env:Envelope '
        'xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body>'
        "<tds:GetDeviceInformationResponse>"
        f"<tds:Manufacturer>{manufacturer}</tds:Manufacturer><tds:Model>{model}</tds:Model>"
        f"<tds:FirmwareVersion>{firmware}</tds:FirmwareVersion>"
        f"<tds:SerialNumber>{serial}</tds:SerialNumber><tds:HardwareId>1.00</tds:HardwareId>"
        "</tds:GetDeviceInformationResponse></env:Body></env:Envelope>"
    )
    return ev(K.ONVIF_DEVINFO, body, port=80, source="probe:onvif GetDeviceInformation")


def isapi_device_info(
    model: str, version: str, build: str, mac: str, dtype: str = "IPCamera"
) -> Evidence:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">\n'
        f"<deviceName>Camera 01</deviceName>\n<model>{model}</model>\n"
        f"<serialNumber>{model}20200101AAWRE12345678</serialNumber>\n"
        f"<macAddress>{mac}</macAddress>\n<firmwareVersion>{version}</firmwareVersion>\n"
        f"<firmwareReleasedDate>{build}</firmwareReleasedDate>\n<deviceType>{dtype}</deviceType>\n"
        "</DeviceInfo>\n"
    )
    return ev(K.ISAPI, body, port=80, source="probe:isapi GET /ISAPI/System/deviceInfo")


def sadp(
    model: str, firmware: str, mac: str, *, activated: bool = True, cloud: str = "flase"
) -> Evidence:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n<Uuid>1B2C3D4E-0000-4000-8000-00000000AA01</Uuid>\n'
        "<Types>inquiry</Types>\n<DeviceType>140071</DeviceType>\n"
        f"<DeviceDescription>{model}</DeviceDescription>\n"
        f"<DeviceSN>{model}20200101AAWRE12345678</DeviceSN>\n<CommandPort>8000</CommandPort>\n"
        f"<HttpPort>80</HttpPort>\n<MAC>{mac.replace(':', '-')}</MAC>\n"
        "<AnalogChannelNum>0</AnalogChannelNum>\n<DigitalChannelNum>1</DigitalChannelNum>\n"
        f"<SoftwareVersion>{firmware}</SoftwareVersion>\n"
        f"<Activated>{'true' if activated else 'false'}</Activated>\n"
        f"<SupportHCPlatform>true</SupportHCPlatform>\n<HCPlatformEnable>{cloud}</HCPlatformEnable>\n"
        "</ProbeMatch>\n"
    )
    return ev(K.SADP, body, port=37020, source="probe:sadp inquiry")


def hik_http_401(realm: str = "IP Camera(C2189)") -> Evidence:
    return ev(
        K.HTTP,
        "HTTP/1.1 401 Unauthorized\r\nDate: Mon, 06 Jan 2025 10:00:00 GMT\r\n"
        "Server: App-webs/\r\nX-Frame-Options: SAMEORIGIN\r\nContent-Type: text/html\r\n"
        f'WWW-Authenticate: Digest qop="auth", realm="{realm}", nonce="4e6a4d304f546b", stale="FALSE"\r\n\r\n',
        port=80,
        source="probe:http GET /ISAPI/System/deviceInfo",
    )


def dhip(
    vendor: str, model: str, version: str, mac: str, serial: str, klass: str = "IPC"
) -> Evidence:
    reply = {
        "mac": mac,
        "method": "client.notifyDevInfo",
        "params": {
            "deviceInfo": {
                "DeviceClass": klass,
                "DeviceType": model,
                "HttpPort": 80,
                "MachineName": serial,
                "Manufacturer": "Private",
                "Port": 37777,
                "SerialNo": serial,
                "Vendor": vendor,
                "Version": version,
            }
        },
    }
    return ev(K.DHIP, json.dumps(reply), port=37810, source="probe:dhip DHDiscover.search")


def magicbox(model: str, serial: str) -> Evidence:
    text = (
        f"appAutoStart=true\r\ndeviceType={model}\r\nhardwareVersion=1.00\r\nprocessor=SSC339\r\n"
        f"serialNumber={serial}\r\nupdateSerial={model}\r\n"
    )
    return ev(K.DAHUA_CGI, text, port=80, source="probe:dahua_cgi magicBox getSystemInfo")


def rpc2_challenge(serial: str, mac_plain: str) -> Evidence:
    body = json.dumps(
        {
            "error": {"code": 268632079, "message": "Component error: login challenge!"},
            "id": 1,
            "params": {
                "authorization": "0" * 40,
                "encryption": "Default",
                "mac": mac_plain,
                "random": "3734299",
                "realm": f"Login to {serial}",
            },
            "result": False,
            "session": 1234,
        }
    )
    return ev(
        K.HTTP,
        f"HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: {len(body)}\r\n\r\n{body}",
        port=80,
        source="probe:http POST /RPC2_Login",
    )


def mac(address: str) -> Evidence:
    return ev(K.MAC, address, source="arp")


def axis_basic_info(model: str, version: str, serial: str) -> Evidence:
    body = json.dumps(
        {
            "apiVersion": "1.3",
            "method": "getAllUnrestrictedProperties",
            "data": {
                "propertyList": {
                    "Brand": "AXIS",
                    "ProdFullName": f"AXIS {model} Network Camera",
                    "ProdNbr": model,
                    "ProdShortName": f"AXIS {model}",
                    "ProdType": "Network Camera",
                    "SerialNumber": serial,
                    "Version": version,
                    "WebURL": "http://www.axis.com",
                }
            },
        }
    )
    return ev(
        K.HTTP,
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{body}",
        port=80,
        source="probe:http POST /axis-cgi/basicdeviceinfo.cgi",
    )


@dataclass(frozen=True)
class Spec:
    """One device of the estate: its key, site, the family truth, and its evidence."""

    key: str
    site: str
    family: str | None  # "Hikvision" / "Dahua" for the restricted families, else None
    label: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)


SITES = {
    "Town Hall": Sensitivity.STANDARD,
    "Police HQ": Sensitivity.SENSITIVE,
    "Data Centre": Sensitivity.CRITICAL,
}


def _specs() -> list[Spec]:
    return [
        Spec(
            "hik-ipc",
            "Town Hall",
            "Hikvision",
            "Hikvision",
            (
                isapi_device_info("DS-2CD2143G0-I", "V5.5.0", "build 170914", "c4:2f:90:11:22:01"),
                sadp("DS-2CD2143G0-I", "V5.5.0build 170914", "c4:2f:90:11:22:01", cloud="true"),
                hik_http_401(),
            ),
        ),
        Spec(
            "hik-nvr",
            "Police HQ",
            "Hikvision",
            "Hikvision",
            (
                isapi_device_info(
                    "DS-7608NXI-I2", "V4.30.097", "build 240401", "44:19:b6:11:22:02", "NVR"
                ),
                hik_http_401("DVRNVRDVS"),
            ),
        ),
        Spec(
            "lts",
            "Police HQ",
            "Hikvision",
            "LTS",
            (
                onvif("LTS", "CMIP3C42W-28", "V5.5.0 build 170914", "CMIP3C42W-2820180101AAWR1"),
                mac("14:2f:fd:11:22:03"),
            ),
        ),
        Spec(
            "annke",
            "Town Hall",
            "Hikvision",
            "Annke",
            (
                onvif("ANNKE", "I91BN", "V5.6.5 build 200316", "I91BN20200316AAWR2"),
                hik_http_401(),
            ),
        ),
        Spec(
            "hilook",
            "Data Centre",
            "Hikvision",
            "HiLook",
            (
                onvif("HiLook", "IPC-B140H", "V5.5.84 build 200512", "IPC-B140H20200512AAWR3"),
                mac("c4:2f:90:11:22:05"),
            ),
        ),
        Spec(
            "ezviz",
            "Town Hall",
            "Hikvision",
            "EZVIZ",
            (
                onvif("EZVIZ", "CS-C6N", "V5.3.0 build 200529", "E12345678"),
                mac("64:f2:fb:11:22:06"),
                ev(K.HOSTNAME, "litedev.ezvizlife.com", source="pcap dns query"),
            ),
        ),
        Spec(
            "dahua-ipc",
            "Police HQ",
            "Dahua",
            "Dahua",
            (
                dhip(
                    "Dahua",
                    "IPC-HDW5831R-ZE",
                    "2.800.0000016.0.R",
                    "3c:ef:8c:11:22:07",
                    "6J0A1B2PAZ00007",
                ),
                magicbox("IPC-HDW5831R-ZE", "6J0A1B2PAZ00007"),
                onvif(
                    "Dahua",
                    "IPC-HDW5831R-ZE",
                    "2.800.0000016.0.R, build: 2020-06-05",
                    "6J0A1B2PAZ00007",
                ),
                rpc2_challenge("6J0A1B2PAZ00007", "3CEF8C112207"),
            ),
        ),
        Spec(
            "dahua-old",
            "Data Centre",
            "Dahua",
            "Dahua",
            (
                onvif(
                    "Dahua",
                    "IPC-HFW5241E-Z12E",
                    "2.622.0000000.31.R, build: 2018-11-23",
                    "5K0A1B2PAZ00011",
                ),
                magicbox("IPC-HFW5241E-Z12E", "5K0A1B2PAZ00011"),
                mac("e0:50:8b:11:22:11"),
            ),
        ),
        Spec(
            "amcrest",
            "Town Hall",
            "Dahua",
            "Amcrest",
            (
                onvif(
                    "Amcrest",
                    "IP2M-841B",
                    "2.520.AC00.18.R, build: 2018-07-11",
                    "AMC000N49SSV0M2U46",
                ),
                rpc2_challenge("AMC000N49SSV0M2U46", "9C8ECD112208"),
                mac("9c:8e:cd:11:22:08"),
            ),
        ),
        Spec(
            "lorex",
            "Data Centre",
            "Dahua",
            "Lorex",
            (
                dhip(
                    "Lorex",
                    "W461ASC",
                    "2.800.030000000.3.R",
                    "00:1f:54:11:22:09",
                    "ND0A1B2C3D4E5F9",
                    "IPC",
                ),
            ),
        ),
        Spec(
            "imou",
            "Police HQ",
            "Dahua",
            "Imou",
            (
                onvif(
                    "Imou", "IPC-A22EP", "2.680.0000000.11.R, build: 2020-04-22", "7G0A1B2PAZ00010"
                ),
                mac("b4:4c:3b:11:22:0a"),
            ),
        ),
        Spec(
            "axis",
            "Police HQ",
            None,
            "Axis",
            (
                axis_basic_info("P3245-LVE", "10.12.182", "B8A44F11220B"),
                mac("b8:a4:4f:11:22:0b"),
            ),
        ),
        Spec(
            "hanwha",
            "Data Centre",
            None,
            "Hanwha Vision",
            (
                onvif("Hanwha Vision", "XNV-6081", "2.21.02_20211014_R251", "ZBD2700123"),
                mac("00:09:18:11:22:0c"),
            ),
        ),
        Spec(
            "bosch",
            "Police HQ",
            None,
            "Bosch",
            (
                onvif("Bosch", "FLEXIDOME IP 4000i", "7.70.0128", "044123456789"),
                ev(
                    K.TLS,
                    "subject: CN=044123456789.myboschcam.net,O=Bosch Sicherheitssysteme GmbH",
                    port=443,
                ),
            ),
        ),
        Spec(
            "uniview",
            "Police HQ",
            None,
            "Uniview",
            (
                onvif(
                    "Uniview", "IPC322LB-SF28-A", "IPC_G6103-B0009P01D1907", "210235C3EA3191000123"
                ),
                mac("6c:f1:7e:11:22:0e"),
            ),
        ),
        Spec(
            "honeywell",
            "Police HQ",
            None,
            "Honeywell",
            (onvif("Honeywell", "HC30W45R3", "1.0.0", "HW0123456789"),),
        ),
        Spec(
            "mystery",
            "Data Centre",
            None,
            "",
            (
                ev(
                    K.HTTP,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><head><title>Login</title></head></html>",
                    port=80,
                ),
            ),
        ),
    ]


@dataclass(frozen=True)
class Estate:
    devices: tuple[Device, ...]
    specs: dict[str, Spec]

    def evidence_of(self, device: Device) -> list[Evidence]:
        return list(self.specs[device.key].evidence)

    def sensitivity_of(self, device: Device) -> Sensitivity:
        return SITES[device.site or "Town Hall"]


@lru_cache(maxsize=1)
def estate() -> Estate:
    """The estate, identified by the real engine against the shipped KB."""
    ident = Identifier()
    specs = {s.key: s for s in _specs()}
    devices = tuple(
        Device(
            s.key, "Example Council", ident.identify(s.evidence), site=s.site, ip=f"127.31.0.{i}"
        )
        for i, s in enumerate(specs.values(), start=1)
    )
    return Estate(devices, specs)
