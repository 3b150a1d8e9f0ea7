"""The MAC memo: bare addresses of one registry block, served exactly as the engine."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.identify.batch import BatchIdentifier
from camaudit.models import Evidence, EvidenceKind

K = EvidenceKind
#: Restricted makers' blocks, others', IEEE blocks shared out in MA-M/MA-S pieces (70:B3:D5,
#: 8C:1F:64), a locally administered and a multicast first octet, an unregistered one.
PREFIXES = [
    "c4:2f:90",
    "bc:ad:28",
    "90:02:a9",
    "00:40:8c",
    "ac:cc:8e",
    "70:b3:d5",
    "8c:1f:64",
    "02:00:00",
    "01:00:5e",
    "0a:1b:2c",
]
HEX = "0123456789abcdef"


def _line(engine: Identifier, ev: Evidence) -> str:
    return json.dumps(engine.identify([ev]).to_dict(), ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def engine() -> Identifier:
    return Identifier()


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from(PREFIXES),
    tails=st.lists(st.text(HEX, min_size=6, max_size=6), min_size=2, max_size=8),
    sep=st.sampled_from([":", "-"]),
    upper=st.booleans(),
)
def test_mac_memo_answers_equal_the_engine(engine, prefix, tails, sep, upper):
    batch = BatchIdentifier(engine)
    for tail in tails:
        octets = prefix.split(":") + [tail[i : i + 2] for i in (0, 2, 4)]
        text = sep.join(octets)
        ev = Evidence(K.MAC, (text.upper() if upper else text).encode())
        assert batch.json_line(ev) == _line(engine, ev)


def test_addresses_of_one_block_are_served_from_the_memo(engine):
    batch = BatchIdentifier(engine)
    evs = [Evidence(K.MAC, f"c4:2f:90:00:1{i}:2{i}".encode()) for i in range(6)]
    for ev in evs:
        line = batch.json_line(ev)
        assert line == _line(engine, ev)
        assert ev.payload.decode() in line and '"manufacturer": "Hikvision"' in line
    assert batch.macs.misses == 1 and batch.macs.hits == 5


def test_blocks_are_keyed_apart(engine):
    batch = BatchIdentifier(engine)
    for text in ("c4:2f:90:00:00:01", "bc:ad:28:00:00:01", "0a:1b:2c:00:00:01"):
        ev = Evidence(K.MAC, text.encode())
        assert batch.json_line(ev) == _line(engine, ev)
    assert batch.macs.hits == 0


def test_other_spellings_and_records_with_a_mac_are_not_served(engine):
    batch = BatchIdentifier(engine)
    for ev in (
        Evidence(K.MAC, b"c42f90000001"),  # bare digits may be read as bytes
        Evidence(K.MAC, b"C4:2f:90:00:00:01"),  # mixed case
        Evidence(K.MAC, b"c4:2f:90:00:00:01", mac="bc:ad:28:00:00:01"),
        Evidence(K.HTTP, b"c4:2f:90:00:00:01"),
    ):
        assert batch.json_line(ev) == _line(engine, ev)
    assert batch.macs.hits == 0 and batch.macs.misses == 0
