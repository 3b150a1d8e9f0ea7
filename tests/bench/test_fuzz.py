"""The fuzz harnesses as regression tests: every kept crasher replays without escaping the
error tree (or tripping an isolation boundary), and each harness survives a short fuzz run."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.fuzz import RESULTS, Target, fuzz, outcome, safe_name, targets

from camaudit.importers import REGISTRY as IMPORTERS
from camaudit.models import EvidenceKind

CRASHERS = sorted((RESULTS / "fuzz-crashers").glob("*.bin"))
SMOKE_INPUTS = 200
SMOKE_SECONDS = 2.0  # the slowest harness (XLSX registers) stops here, with fewer inputs
SMOKE_MIN = 10  # ... but never before this many, however loaded the machine
PROBE_READERS = {
    "http_response",
    "rtsp_response",
    "onvif_soap",
    "wsd_xaddrs",
    "ssdp",
    "dhip_frame",
    "mdns_message",
    "tls_flight",
    "telnet",
    "www_authenticate",
}


@pytest.fixture(scope="module")
def harnesses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Target]]:
    yield {t.name: t for t in targets(tmp_path_factory.mktemp("fuzz"))}


def _harness_of(crasher: Path, harnesses: dict[str, Target]) -> Target:
    # A crasher is named <target>-<signature>-<digest>.bin with the target made file-safe.
    matches = [t for n, t in harnesses.items() if crasher.name.startswith(safe_name(n) + "-")]
    assert len(matches) == 1, f"{crasher.name}: no single harness"
    return matches[0]


def test_every_parser_of_untrusted_bytes_has_a_harness(harnesses: dict[str, Target]) -> None:
    expected = {f"identify:{kind.value}" for kind in EvidenceKind}
    expected |= {f"import:{fmt}" for fmt in IMPORTERS}
    expected |= {f"probe:{name}" for name in PROBE_READERS}
    assert expected <= set(harnesses)
    assert all(t.seeds for t in harnesses.values())


def test_crashers_are_kept() -> None:
    assert CRASHERS, "bench/results/fuzz-crashers/ holds the inputs past runs found"


@pytest.mark.parametrize("crasher", CRASHERS, ids=[p.name for p in CRASHERS])
def test_crasher_replays_inside_the_error_tree(crasher: Path, harnesses: dict[str, Target]) -> None:
    result = outcome(_harness_of(crasher, harnesses), crasher.read_bytes())
    assert result in ("ok", "error"), f"{crasher.name}: {result}"


def test_each_harness_survives_a_short_run(harnesses: dict[str, Target], tmp_path: Path) -> None:
    rng = random.Random(15)
    failed = {}
    for name, target in harnesses.items():
        tally = fuzz(target, SMOKE_INPUTS, SMOKE_SECONDS, rng, tmp_path / "crashers", SMOKE_MIN)
        assert tally.inputs >= SMOKE_MIN, f"{name}: only {tally.inputs} inputs"
        if tally.escapes or tally.hangs:
            failed[name] = tally.signatures
    assert not failed, f"escapes or hangs (inputs kept in {tmp_path / 'crashers'}): {failed}"
