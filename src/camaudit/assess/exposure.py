"""Exposure findings read from a device's raw evidence (pure; bounded parsing, never raises).

Checks: vendor cloud / P2P enabled or contacted; the admin web interface over plain HTTP; RTSP
answering DESCRIBE with a stream description without credentials; discovery protocols (SADP,
DHIP, WS-Discovery) and login realms that disclose the serial number; unactivated Hikvision
devices (no admin password set yet); factory-default TLS certificates.

Conventions read from evidence: an ``http`` record is TLS when its ``source`` names ``https``
or ``tls`` or its port is 443/8443; an ``rtsp`` record was fetched *with* credentials when its
``source`` says ``with credentials`` / ``authenticated`` (not ``unauthenticated``) or a URL in
it carries user information (``rtsp://user:pass@``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camaudit.assess.clouds import (
    CloudHit,
    CloudsData,
    CloudState,
    cloud_states,
    default_certificate,
)
from camaudit.assess.findings import EXPOSURE_POLICY, AssessedFinding, FindingKind
from camaudit.identify.extract import Fields, extract
from camaudit.models import Evidence, EvidenceKind, Severity

#: Most bytes of one RTSP record scanned for responses.
_MAX_RTSP = 64 * 1024
_TLS_PORTS = frozenset({443, 8443})
_RTSP_STATUS = re.compile(r"(?m)^RTSP/\d\.\d[ \t]+(\d{3})")
_SDP_TYPE = re.compile(r"(?im)^content-type:[ \t]*application/sdp")
_SDP_MEDIA = re.compile(r"(?m)^m=(?:video|audio)[ \t]")
_USERINFO = re.compile(r"(?i)\brtsps?://[^\s/@]{1,256}@")
_AUTH_SOURCE = re.compile(r"(?i)\bwith credentials\b|(?<!un)authenticated\b")
_SERIAL_REALM = re.compile(r"(?i)^Login to ([A-Z0-9]{6,40})$")


class _FieldCache:
    """Extracted fields of each evidence record, computed once per assessment of a device."""

    def __init__(self) -> None:
        self._by_id: dict[int, Fields] = {}

    def of(self, ev: Evidence) -> Fields:
        found = self._by_id.get(id(ev))
        if found is None:
            found = self._by_id[id(ev)] = extract(ev)
        return found


def _finding(
    key: str,
    rule: str,
    severity: Severity,
    title: str,
    detail: str,
    remediation: str,
    evidence: Sequence[str],
) -> AssessedFinding:
    return AssessedFinding(
        key,
        EXPOSURE_POLICY,
        f"exposure.{rule}",
        FindingKind.EXPOSURE,
        severity,
        title,
        detail,
        remediation,
        evidence=tuple(dict.fromkeys(evidence)),
    )


def _cloud_findings(key: str, hits: list[CloudHit]) -> list[AssessedFinding]:
    out: list[AssessedFinding] = []
    by_service: dict[str, list[CloudHit]] = {}
    for h in hits:
        by_service.setdefault(h.service.id, []).append(h)
    for svc_hits in by_service.values():
        svc = svc_hits[0].service
        states = {h.state for h in svc_hits}
        seen = "; ".join(dict.fromkeys(f"{h.state.value}: {h.why}" for h in svc_hits))
        shas = [h.evidence_sha256 for h in svc_hits]
        remediation = (
            f"Disable {svc.name} on the device and block its domains "
            f"({', '.join(svc.domains)}) at the firewall; use a VPN for remote viewing."
        )
        if CloudState.OBSERVED in states:
            out.append(
                _finding(
                    key,
                    "vendor-cloud-observed",
                    Severity.HIGH,
                    f"Device contacts the vendor cloud ({svc.name})",
                    f"Evidence shows the device reaching {svc.name} ({seen}): video and control "
                    "can leave the network through the vendor's relay.",
                    remediation,
                    shas,
                )
            )
        elif CloudState.ENABLED in states:
            out.append(
                _finding(
                    key,
                    "vendor-cloud-enabled",
                    Severity.MEDIUM,
                    f"Vendor cloud / P2P enabled ({svc.name})",
                    f"The device's configuration has {svc.name} switched on ({seen}).",
                    remediation,
                    shas,
                )
            )
    return out


def _is_tls(ev: Evidence) -> bool:
    source = (ev.source or "").lower()
    return "https" in source or "tls" in source or (ev.port in _TLS_PORTS)


def _plain_http(
    key: str, evidence: Sequence[Evidence], cache: _FieldCache
) -> list[AssessedFinding]:
    plain: dict[int | None, list[str]] = {}
    tls_offered = any(e.kind is EvidenceKind.TLS for e in evidence)
    for ev in evidence:
        if ev.kind is not EvidenceKind.HTTP:
            continue
        if _is_tls(ev):
            tls_offered = True
            continue
        fields = cache.of(ev)
        statuses = fields.get("status")
        if not statuses:
            continue  # a fragment (a header value, a title): not a response we saw
        locations = fields.get("header.location")
        final = statuses[-1]
        if final.startswith("3") and any(loc.lower().startswith("https://") for loc in locations):
            tls_offered = True
            continue
        if final.startswith("2") or final in ("401", "403"):
            plain.setdefault(ev.port, []).append(ev.sha256)
    if not plain:
        return []
    ports = ", ".join(str(p) for p in sorted(p for p in plain if p is not None)) or "unknown"
    shas = [s for group in plain.values() for s in group]
    if tls_offered:
        severity, also = Severity.LOW, "HTTPS is also offered, but plain HTTP still answers"
    else:
        severity, also = Severity.MEDIUM, "no HTTPS interface was seen"
    return [
        _finding(
            key,
            "plain-http-admin",
            severity,
            f"Admin web interface over plain HTTP (port {ports})",
            f"The device's web interface answers without TLS on port {ports}; {also}. "
            "Logins and session cookies can be read or altered on the network.",
            "Enable HTTPS with a certificate you issue, redirect or disable plain HTTP, and "
            "reach the interface only from a management network.",
            shas,
        )
    ]


def rtsp_answers_without_auth(ev: Evidence) -> bool:
    """An RTSP record shows a stream description (DESCRIBE 200 + SDP) given without credentials."""
    if ev.kind is not EvidenceKind.RTSP:
        return False
    if _AUTH_SOURCE.search(ev.source or ""):
        return False
    text = ev.payload[:_MAX_RTSP].decode("utf-8", errors="replace")
    if _USERINFO.search(text):
        return False
    starts = [(m.start(), m.group(1)) for m in _RTSP_STATUS.finditer(text)]
    for i, (start, status) in enumerate(starts):
        if status != "200":
            continue
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        message = text[start:end]
        if _SDP_TYPE.search(message) or _SDP_MEDIA.search(message):
            return True
    return False


def _rtsp(key: str, evidence: Sequence[Evidence]) -> list[AssessedFinding]:
    open_streams = [ev for ev in evidence if rtsp_answers_without_auth(ev)]
    if not open_streams:
        return []
    ports = sorted({ev.port for ev in open_streams if ev.port is not None})
    where = f" on port {', '.join(map(str, ports))}" if ports else ""
    return [
        _finding(
            key,
            "rtsp-no-auth",
            Severity.HIGH,
            f"Live video stream open without a password (RTSP{where})",
            f"The device answered an RTSP DESCRIBE without credentials with a stream "
            f"description{where}: anyone who can reach it can watch the video.",
            "Require RTSP authentication (digest) on the device and restrict RTSP to the "
            "recorder's network.",
            [ev.sha256 for ev in open_streams],
        )
    ]


def _disclosure(
    key: str, evidence: Sequence[Evidence], cache: _FieldCache
) -> list[AssessedFinding]:
    protocols: dict[str, list[str]] = {}
    serial_shas: list[str] = []
    unactivated: list[str] = []
    for ev in evidence:
        kind = ev.kind
        if kind in (EvidenceKind.SADP, EvidenceKind.DHIP, EvidenceKind.WSD_PROBEMATCH):
            fields = cache.of(ev)
            name = {"sadp": "SADP", "dhip": "DHIP", "wsd_probematch": "WS-Discovery"}[kind.value]
            protocols.setdefault(name, []).append(ev.sha256)
            if fields.get("devicesn") or fields.get("serialno") or fields.get("scope.serialnumber"):
                serial_shas.append(ev.sha256)
            if kind is EvidenceKind.SADP and any(
                v.lower() == "false" for v in fields.get("activated")
            ):
                unactivated.append(ev.sha256)
        elif kind in (EvidenceKind.HTTP, EvidenceKind.RTSP):
            realms = cache.of(ev).get("realm")
            if any(_SERIAL_REALM.match(r) for r in realms):
                protocols.setdefault(f"{kind.value.upper()} login realm", []).append(ev.sha256)
                serial_shas.append(ev.sha256)
    out: list[AssessedFinding] = []
    if unactivated:
        out.append(
            _finding(
                key,
                "unactivated",
                Severity.HIGH,
                "Device not activated: no admin password set",
                "SADP reports Activated=false: the device has no administrator password yet, so "
                "anyone on the network can activate it and take control.",
                "Activate the device now with a strong password, from the management network.",
                unactivated,
            )
        )
    if protocols:
        names = ", ".join(sorted(protocols))
        leaks = bool(serial_shas)
        out.append(
            _finding(
                key,
                "discovery-disclosure",
                Severity.LOW if leaks else Severity.INFO,
                f"Unauthenticated discovery answers ({names})"
                + (" disclose the serial number" if leaks else ""),
                f"The device answers {names} without authentication"
                + (
                    ", giving out its serial number (used by vendor clouds, P2P IDs and "
                    "password-reset procedures)."
                    if leaks
                    else "."
                ),
                "Disable discovery protocols that are not needed (SADP, DHIP, WS-Discovery) or "
                "keep them on an isolated camera network.",
                [s for group in protocols.values() for s in group],
            )
        )
    return out


def _certificates(
    key: str, evidence: Sequence[Evidence], clouds: CloudsData, cache: _FieldCache
) -> list[AssessedFinding]:
    out: list[AssessedFinding] = []
    seen: set[str] = set()
    for ev in evidence:
        if ev.kind is not EvidenceKind.TLS:
            continue
        cert = default_certificate(clouds, ev, cache.of(ev))
        if cert is None or cert.id in seen:
            continue
        seen.add(cert.id)
        port = f" on port {ev.port}" if ev.port else ""
        out.append(
            _finding(
                key,
                "default-certificate",
                Severity.LOW,
                f"Factory-default TLS certificate ({cert.vendor}){port}",
                f"The certificate matches {cert.vendor}'s factory default ({cert.id}): clients "
                "cannot tell this device from an impostor, so HTTPS protects little.",
                "Install a certificate issued by your organisation's CA.",
                [ev.sha256],
            )
        )
    return out


def exposure_findings(
    device_key: str, evidence: Sequence[Evidence], clouds: CloudsData
) -> list[AssessedFinding]:
    """Every exposure finding the device's evidence supports."""
    cache = _FieldCache()
    hits = [
        h
        for ev in evidence
        if ev.kind.value in clouds.kinds
        for h in cloud_states(clouds, ev, cache.of(ev))
    ]
    return [
        *_cloud_findings(device_key, hits),
        *_rtsp(device_key, evidence),
        *_plain_http(device_key, evidence, cache),
        *_disclosure(device_key, evidence, cache),
        *_certificates(device_key, evidence, clouds, cache),
    ]
