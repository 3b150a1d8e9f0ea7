"""Vendor cloud / P2P services and factory-default certificates as data (``kb/clouds.yaml``).

:func:`cloud_states` says, for one piece of evidence, which services it shows *enabled*,
*disabled* (device configuration) or *observed* (a looked-up or contacted host name under a
service's domain). :func:`default_certificate` names the factory-default certificate a TLS
subject or issuer matches. Both never raise on hostile input (bounded fields, compiled regexes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from camaudit.errors import KnowledgeBaseError
from camaudit.identify.extract import Fields, extract
from camaudit.kb import KB_DIR
from camaudit.models import Evidence, EvidenceKind
from camaudit.policy.datafile import load_model

#: Longest host name considered (RFC 1035: 253 characters).
_MAX_HOST = 253
_KINDS = [k.value for k in EvidenceKind]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


class CloudSignal(_Strict):
    id: str
    kind: str
    field: str
    match: str
    state: Literal["enabled", "disabled"]
    source: str

    _v_match = field_validator("match")(_regex)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in _KINDS:
            raise ValueError(f"unknown evidence kind {value!r}")
        return value


class CloudExample(_Strict):
    kind: str
    data: str
    expect: Literal["enabled", "disabled", "observed", "none"]


class CloudService(_Strict):
    id: str
    name: str
    vendor: str
    domains: list[str] = Field(min_length=1)
    hosts: list[str] = Field(default_factory=list)
    ports: list[str] = Field(default_factory=list)
    source: str
    signals: list[CloudSignal] = Field(default_factory=list)
    examples: list[CloudExample] = Field(min_length=1)

    @model_validator(mode="after")
    def _hosts_under_domains(self) -> CloudService:
        for host in self.hosts:
            if not any(host == d or host.endswith(f".{d}") for d in self.domains):
                raise ValueError(f"{self.id}: host {host!r} is under none of its domains")
        return self


class CertExample(_Strict):
    data: str
    expect: bool


class DefaultCertificate(_Strict):
    id: str
    vendor: str
    match: str
    source: str
    examples: list[CertExample] = Field(min_length=1)

    _v_match = field_validator("match")(_regex)


class CloudsFile(_Strict):
    clouds: list[CloudService]
    default_certificates: list[DefaultCertificate]


class CloudState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    OBSERVED = "observed"


@dataclass(frozen=True, slots=True)
class CloudHit:
    """A service some evidence shows enabled, disabled or contacted."""

    service: CloudService
    state: CloudState
    why: str
    evidence_sha256: str


@dataclass(frozen=True, slots=True)
class CloudsData:
    """Loaded ``clouds.yaml`` with compiled regexes."""

    services: tuple[CloudService, ...]
    certificates: tuple[DefaultCertificate, ...]
    _signals: dict[str, re.Pattern[str]]
    _certs: dict[str, re.Pattern[str]]

    @property
    def kinds(self) -> frozenset[str]:
        """Evidence kinds that can say something about a cloud service."""
        return frozenset(
            {EvidenceKind.HOSTNAME.value, *(s.kind for svc in self.services for s in svc.signals)}
        )

    def signal_regex(self, signal: CloudSignal) -> re.Pattern[str]:
        return self._signals[signal.id]

    def cert_regex(self, cert: DefaultCertificate) -> re.Pattern[str]:
        return self._certs[cert.id]


def load_clouds_from(path: Path) -> CloudsData:
    data = load_model(path, CloudsFile)
    signals: dict[str, re.Pattern[str]] = {}
    for svc in data.clouds:
        for sig in svc.signals:
            if sig.id in signals:
                raise KnowledgeBaseError(f"{path.name}: signal id {sig.id!r} is used twice")
            signals[sig.id] = re.compile(sig.match)
    certs = {c.id: re.compile(c.match) for c in data.default_certificates}
    return CloudsData(tuple(data.clouds), tuple(data.default_certificates), signals, certs)


@lru_cache(maxsize=4)
def load_clouds(path: str | None = None) -> CloudsData:
    """The shipped ``kb/clouds.yaml`` (or another file), loaded once per process."""
    return load_clouds_from(Path(path) if path else KB_DIR / "clouds.yaml")


def normalise_host(name: str) -> str | None:
    """A lower-case host name without trailing dot, or None if it does not look like one."""
    host = name.strip().rstrip(".").lower()
    if not host or len(host) > _MAX_HOST or " " in host or "." not in host:
        return None
    return host


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith(f".{domain}")


def cloud_states(
    data: CloudsData, evidence: Evidence, fields: Fields | None = None
) -> list[CloudHit]:
    """What one piece of evidence says about vendor cloud services (``fields``: its extracted
    fields, when the caller already has them)."""
    hits: list[CloudHit] = []
    kind = evidence.kind.value
    if kind not in data.kinds:
        return hits
    if fields is None:
        fields = extract(evidence)
    if kind == EvidenceKind.HOSTNAME.value:
        for raw in fields.get("hostname"):
            host = normalise_host(raw)
            if host is None:
                continue
            for svc in data.services:
                if any(_under(host, d) for d in svc.domains):
                    hits.append(
                        CloudHit(svc, CloudState.OBSERVED, f"host name {host}", evidence.sha256)
                    )
    for svc in data.services:
        for sig in svc.signals:
            if sig.kind != kind:
                continue
            rx = data.signal_regex(sig)
            for value in fields.get(sig.field):
                if rx.search(value):
                    hits.append(
                        CloudHit(
                            svc,
                            CloudState(sig.state),
                            f"{kind} {sig.field} ({sig.id})",
                            evidence.sha256,
                        )
                    )
                    break
    return hits


def default_certificate(
    data: CloudsData, evidence: Evidence, fields: Fields | None = None
) -> DefaultCertificate | None:
    """The factory-default certificate a TLS evidence record matches, if any."""
    if evidence.kind is not EvidenceKind.TLS:
        return None
    if fields is None:
        fields = extract(evidence)
    names = [*fields.get("subject"), *fields.get("issuer")]
    for cert in data.certificates:
        rx = data.cert_regex(cert)
        if any(rx.search(name) for name in names):
            return cert
    return None


def check_cloud_examples(data: CloudsData) -> list[str]:
    """Run every example of ``clouds.yaml``; one message per example that fails."""
    failures: list[str] = []
    for svc in data.services:
        for i, ex in enumerate(svc.examples):
            ev = Evidence(EvidenceKind(ex.kind), ex.data.encode("utf-8"))
            states = {h.state.value for h in cloud_states(data, ev) if h.service.id == svc.id}
            got = states.pop() if len(states) == 1 else ("none" if not states else "conflict")
            if got != ex.expect:
                failures.append(f"clouds {svc.id}: example {i}: expected {ex.expect}, got {got}")
    for cert in data.certificates:
        for i, cex in enumerate(cert.examples):
            ev = Evidence(EvidenceKind.TLS, cex.data.encode("utf-8"))
            found = default_certificate(data, ev)
            got_match = found is not None and found.id == cert.id
            if got_match != cex.expect:
                failures.append(f"certificate {cert.id}: example {i}: expected {cex.expect}")
    return failures
