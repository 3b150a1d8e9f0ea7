"""Every probe against hostile peers: each costs at most its time budget and byte cap."""

from __future__ import annotations

import asyncio
import time

import pytest

from camaudit.net.credentials import CredentialStore
from camaudit.probes import REGISTRY, TCP_PROBES, UDP_PROBES
from camaudit.probes.base import ProbeResult, ProbeStatus
from tests.probes.fakes import HOST, HOSTILE_TCP, HOSTILE_UDP, ctx, tcp_server, udp_server

TIMEOUT = 0.3
MAX_BYTES = 20_000
#: A run takes at most three timeouts (RunBudget) plus closing grace; the engine's guard is 4t+1.
BOUND = 3 * TIMEOUT + 0.6
CREDENTIALS = CredentialStore.from_data([{"scope": HOST, "username": "u", "password": "p4ssw0rd"}])


async def run_all(names: list[str], port: int) -> list[tuple[ProbeResult, float]]:
    async def one(name: str) -> tuple[ProbeResult, float]:
        t0 = time.monotonic()
        result = await REGISTRY[name]().run(
            HOST, port, ctx(timeout=TIMEOUT, max_bytes=MAX_BYTES, credentials=CREDENTIALS)
        )
        return result, time.monotonic() - t0

    return await asyncio.gather(*(one(n) for n in names))


def check(results: list[tuple[ProbeResult, float]]) -> None:
    for result, elapsed in results:
        assert elapsed < BOUND, (result.probe, elapsed, result)
        assert result.status is not ProbeStatus.SUCCESS or result.evidence or result.probe == "tcp"
        total = sum(len(e.payload) for e in result.evidence)
        # one probe run may record several responses, each within the cap
        assert all(len(e.payload) <= MAX_BYTES for e in result.evidence), result.probe
        assert total <= MAX_BYTES * 12, result.probe


@pytest.mark.parametrize("hostile", sorted(HOSTILE_TCP))
def test_tcp_probes_against_hostile_servers(hostile):
    names = sorted(TCP_PROBES)

    async def main():
        async with tcp_server(HOSTILE_TCP[hostile]) as port:
            return await run_all(names, port)

    results = asyncio.run(main())
    check(results)
    if hostile in ("endless", "endless_header"):
        statuses = {r.probe: r.status for r, _ in results}
        assert statuses["http"] in (ProbeStatus.TRUNCATED, ProbeStatus.NO_RESPONSE)


@pytest.mark.parametrize("hostile", sorted(HOSTILE_UDP))
def test_udp_probes_against_hostile_responders(hostile):
    names = sorted(UDP_PROBES)

    async def main():
        async with udp_server(HOSTILE_UDP[hostile]) as (port, _):
            return await run_all(names, port)

    results = asyncio.run(main())
    check(results)
    for result, _ in results:
        assert result.evidence == [], result  # nothing here is valid
        assert result.status is not ProbeStatus.SUCCESS
