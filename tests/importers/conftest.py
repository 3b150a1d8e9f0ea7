"""Shared fixtures for the importer tests: fixture paths, one identifier, grouping helpers."""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.models import Evidence, Identity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def identifier() -> Identifier:
    return Identifier()


def by_ip(evidence: Iterable[Evidence]) -> dict[str, list[Evidence]]:
    """Evidence grouped per device as the inventory groups it: by address, and evidence that has
    only a MAC joins the address group holding that MAC (else a ``mac:`` group of its own)."""
    groups: dict[str, list[Evidence]] = defaultdict(list)
    mac_only: list[Evidence] = []
    mac_home: dict[str, str] = {}
    for ev in evidence:
        if ev.ip is None:
            assert ev.mac is not None, ev.source
            mac_only.append(ev)
            continue
        groups[ev.ip].append(ev)
        if ev.mac:
            mac_home.setdefault(ev.mac, ev.ip)
    for ev in mac_only:
        assert ev.mac is not None
        groups[mac_home.get(ev.mac, f"mac:{ev.mac}")].append(ev)
    return dict(groups)


def makers(identifier: Identifier, evidence: Iterable[Evidence]) -> dict[str, Identity]:
    """The identity of each device's evidence."""
    return {key: identifier.identify(evs) for key, evs in by_ip(evidence).items()}


_subnets = itertools.count(1)


def lab_subnet() -> str:
    """A /24 no other test of this run uses: 127.(120+w).(n).0/24 (the lab tests use 127.21+w,
    the shared fixture 127.100+w). n starts at a pid-derived offset so that two test sessions
    running at once on one machine are unlikely to pick the same addresses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(ch for ch in worker if ch.isdigit())
    third = (os.getpid() + next(_subnets)) % 256
    return f"127.{120 + (int(digits) if digits else 0) % 100}.{third}.0/24"


#: One emulated device per maker, on unprivileged ports (HTTP 80 -> 20080).
LAB_MIX = {"hikvision-ipc": 1, "dahua-ipc": 1, "axis-ipc": 1}
LAB_PORT_OFFSET = 20000


def json_values(keys: list[str]) -> st.SearchStrategy[object]:
    """Arbitrary JSON values whose objects use ``keys`` (so importers get past the first check)."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**40), 2**40)
        | st.floats(allow_nan=False)
        | st.text(max_size=30)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(keys), inner, max_size=6)
        ),
        max_leaves=40,
    )
