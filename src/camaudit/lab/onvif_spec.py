"""The ``onvif:`` section of a persona: the ONVIF device service and its WS-Discovery identity.

YAML shape (strings are templates over the device context)::

    onvif:
      manufacturer: "{manufacturer}"     # GetDeviceInformation fields
      model: "{model}"
      firmware: "{fw_version}"
      serial: "{serial}"
      hardware_id: "88"
      auth: [digest, wsse]               # what GetDeviceInformation & co accept
      realm: "{realm}"                   # HTTP digest realm ("{realm}" in challenges means it)
      nonce_style: hex
      challenges: ['Digest qop="auth", realm="{realm}", nonce="{nonce}"']
      unauthorized: digest401            # digest401: HTTP 401 + challenge; fault400: SOAP fault
      fault_subcode: "ter:NotAuthorized" # of the refusal fault ("" for none, as gSOAP sends)
      fault_reason: "Sender not Authorized"
      headers: [[Server, gSOAP/2.8]]     # headers of ONVIF answers (default: the http: headers)
      prefix: env                        # SOAP envelope prefix (env, SOAP-ENV, s...)
      types: "dn:NetworkVideoTransmitter tds:Device"
      scopes: ["onvif://www.onvif.org/hardware/{model}", ...]
      endpoint: "urn:uuid:{uuid}"        # WS-Discovery endpoint reference
      hostname: "{model}"
      timezone: "CST-8:00:00"
      datetime_type: NTP
      version: "2.60"                    # device service version (GetServices)
      pre_auth: [GetSystemDateAndTime, ...]   # operations answered without credentials
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from camaudit.lab.digest import NONCE_STYLES
from camaudit.lab.spec_parsing import (
    FieldSpec,
    check_keys,
    choice,
    fail,
    field_templates,
    fields,
    mapping,
    optional_text,
    text_list,
)

AUTH_METHODS = ("digest", "wsse")
UNAUTHORIZED_STYLES = ("digest401", "fault400")
# ONVIF Core access class PRE_AUTH (protocols.md 3.2).
DEFAULT_PRE_AUTH = (
    "GetSystemDateAndTime",
    "GetWsdlUrl",
    "GetServices",
    "GetServiceCapabilities",
    "GetCapabilities",
    "GetHostname",
    "GetEndpointReference",
)
_VERSION = re.compile(r"^(\d{1,2})\.(\d{1,2})$")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,15}$")
_KEYS = (
    "manufacturer",
    "model",
    "firmware",
    "serial",
    "hardware_id",
    "auth",
    "realm",
    "nonce_style",
    "challenges",
    "unauthorized",
    "fault_subcode",
    "fault_reason",
    "headers",
    "prefix",
    "types",
    "scopes",
    "endpoint",
    "hostname",
    "timezone",
    "datetime_type",
    "version",
    "pre_auth",
)


@dataclass(frozen=True, slots=True)
class OnvifSpec:
    manufacturer: str
    model: str
    firmware: str
    serial: str
    hardware_id: str
    auth: tuple[str, ...]
    realm: str
    nonce_style: str
    challenges: tuple[str, ...]
    unauthorized: str
    fault_subcode: str
    fault_reason: str
    headers: tuple[FieldSpec, ...] | None
    prefix: str
    types: str
    scopes: tuple[str, ...]
    endpoint: str
    hostname: str
    timezone: str
    datetime_type: str
    version: tuple[int, int]
    pre_auth: frozenset[str]

    def templates(self) -> Iterator[str]:
        yield from (self.manufacturer, self.model, self.firmware, self.serial, self.hardware_id)
        yield from (self.realm, self.endpoint, self.hostname, self.timezone, self.types)
        yield from self.challenges
        yield from self.scopes
        if self.headers is not None:
            yield from field_templates(self.headers)


def parse_onvif_spec(raw: Any, where: str = "onvif") -> OnvifSpec:
    data = mapping(raw, where)
    check_keys(data, _KEYS, where)
    auth = text_list(data.get("auth", list(AUTH_METHODS)), f"{where}.auth", allow_empty=False)
    if not set(auth) <= set(AUTH_METHODS):
        raise fail(f"{where}.auth", f"each entry must be one of {AUTH_METHODS}")
    default_challenge = 'Digest qop="auth", realm="{realm}", nonce="{nonce}"'
    challenges = text_list(data.get("challenges", [default_challenge]), f"{where}.challenges")
    if "digest" in auth and not challenges:
        raise fail(f"{where}.challenges", "digest auth needs at least one challenge")
    unauthorized = data.get("unauthorized", "digest401" if "digest" in auth else "fault400")
    if unauthorized not in UNAUTHORIZED_STYLES or (
        unauthorized == "digest401" and "digest" not in auth
    ):
        raise fail(
            f"{where}.unauthorized", f"one of {UNAUTHORIZED_STYLES} (digest401 needs digest)"
        )
    version_text = optional_text(data, "version", where, "2.60")
    version = _VERSION.match(version_text)
    if version is None:
        raise fail(f"{where}.version", "expected MAJOR.MINOR")
    prefix = optional_text(data, "prefix", where, "env")
    if not _PREFIX.match(prefix):
        raise fail(f"{where}.prefix", "expected an XML prefix")
    return OnvifSpec(
        manufacturer=optional_text(data, "manufacturer", where, "{manufacturer}"),
        model=optional_text(data, "model", where, "{model}"),
        firmware=optional_text(data, "firmware", where, "{firmware}"),
        serial=optional_text(data, "serial", where, "{serial}"),
        hardware_id=optional_text(data, "hardware_id", where, "1.0"),
        auth=auth,
        realm=optional_text(data, "realm", where, "{realm}"),
        nonce_style=choice(data, "nonce_style", where, NONCE_STYLES),
        challenges=challenges,
        unauthorized=str(unauthorized),
        fault_subcode=optional_text(data, "fault_subcode", where, "ter:NotAuthorized"),
        fault_reason=optional_text(data, "fault_reason", where, "Sender not Authorized"),
        headers=None
        if data.get("headers") is None
        else fields(data["headers"], f"{where}.headers"),
        prefix=prefix,
        types=optional_text(data, "types", where, "dn:NetworkVideoTransmitter tds:Device"),
        scopes=text_list(data.get("scopes"), f"{where}.scopes"),
        endpoint=optional_text(data, "endpoint", where, "urn:uuid:{uuid}"),
        hostname=optional_text(data, "hostname", where, "{model}"),
        timezone=optional_text(data, "timezone", where, "GMT0"),
        datetime_type=choice(data, "datetime_type", where, ("NTP", "Manual")),
        version=(int(version.group(1)), int(version.group(2))),
        pre_auth=frozenset(
            text_list(data.get("pre_auth", list(DEFAULT_PRE_AUTH)), f"{where}.pre_auth")
        ),
    )
