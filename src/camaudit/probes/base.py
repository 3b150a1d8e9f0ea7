"""The probe interface shared by every protocol module, and the status every probe reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from camaudit.models import Evidence, EvidenceKind, utcnow
from camaudit.net.credentials import Credential, CredentialStore
from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope


class ProbeStatus(StrEnum):
    """Outcome of one probe against one endpoint."""

    SUCCESS = "success"  # the endpoint answered in the probe's protocol
    NO_RESPONSE = "no-response"  # connected, but nothing (or nothing usable) before the timeout
    REFUSED = "refused"  # connection refused or reset
    TIMEOUT = "timeout"  # could not connect within the timeout
    PROTOCOL_ERROR = "protocol-error"  # answered, but not in this protocol
    TRUNCATED = "truncated"  # answered, but more than the byte cap (evidence kept up to it)
    OUT_OF_SCOPE = "out-of-scope"  # refused by the scope guard: nothing was sent
    ERROR = "error"  # anything else (recorded, never raised)
    SKIPPED = "skipped"  # not run: nothing to do (e.g. no credentials supplied for this address)
    AUTH_FAILED = "auth-failed"  # answered, but rejected the credentials the user supplied


@dataclass(slots=True)
class DiscoveryHints:
    """What earlier probes of the same scan learnt that later ones can use (by address).

    ``xaddrs``: ONVIF service URLs announced in WS-Discovery ProbeMatches.
    """

    xaddrs: dict[str, list[str]] = field(default_factory=dict)

    def add_xaddrs(self, ip: str, urls: list[str], limit: int = 8) -> None:
        known = self.xaddrs.setdefault(ip, [])
        for url in urls:
            if url not in known and len(known) < limit:
                known.append(url)


@dataclass(slots=True)
class ProbeContext:
    """What every probe needs: the scope guard, limits, and user-given settings."""

    scope: Scope
    limiter: RateLimiter
    timeout: float = 3.0
    max_bytes: int = 256 * 1024
    user_agent: str = "camaudit/0.1 (CCTV audit; +https://example.invalid/camaudit)"
    credentials: CredentialStore | None = None  # only ever the user's, for their scope
    site: str | None = None  # the scan's site (narrows which credentials apply)
    hints: DiscoveryHints = field(default_factory=DiscoveryHints)

    def credential_for(self, ip: str, protocol: str) -> Credential | None:
        """The user-supplied credential for ``ip`` and ``protocol``, if any."""
        if self.credentials is None:
            return None
        return self.credentials.for_address(ip, protocol, self.site)


@dataclass(slots=True)
class ProbeResult:
    probe: str
    ip: str
    port: int | None
    status: ProbeStatus
    evidence: list[Evidence] = field(default_factory=list)
    elapsed: float = 0.0
    detail: str | None = None


class Probe(Protocol):
    """A protocol probe: ``run`` never raises; it reports a :class:`ProbeStatus`."""

    name: str
    default_ports: tuple[int, ...]

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult: ...


class Timer:
    """Elapsed-time helper for results."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


class RunBudget:
    """A whole probe run's deadline: each step gets ``timeout`` but never past the run's end."""

    def __init__(self, timeout: float, steps: float = 3.0) -> None:
        self.timeout = timeout
        self.end = time.monotonic() + timeout * steps

    def deadline(self) -> float:
        return min(time.monotonic() + self.timeout, self.end)

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def exhausted(self) -> bool:
        return time.monotonic() >= self.end - 0.005


def observed(
    kind: EvidenceKind,
    payload: bytes,
    ip: str,
    port: int | None,
    source: str,
    *,
    truncated: bool = False,
) -> Evidence:
    """Evidence of one observation, stamped now (``source`` names the probe and request;
    ``truncated``: the reply was cut at a byte cap and ``payload`` is its first part)."""
    return Evidence(
        kind, payload, ip=ip, port=port, ts=utcnow(), source=source, truncated=truncated
    )
