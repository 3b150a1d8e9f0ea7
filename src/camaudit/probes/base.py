"""The probe interface shared by every protocol module, and the status every probe reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from camaudit.models import Evidence
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


@dataclass(slots=True)
class ProbeContext:
    """What every probe needs: the scope guard, limits, and user-given settings."""

    scope: Scope
    limiter: RateLimiter
    timeout: float = 3.0
    max_bytes: int = 256 * 1024
    user_agent: str = "camaudit/0.1 (CCTV audit; +https://example.invalid/camaudit)"


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
