"""The batch memo gives exactly what the engine gives, record by record."""

from __future__ import annotations

import json

import pytest
from bench.throughput import records
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.evidence import evidence_from_record
from camaudit.identify import Identifier
from camaudit.identify.batch import BatchIdentifier
from camaudit.models import Evidence, EvidenceKind

K = EvidenceKind
HIK_401 = (
    "HTTP/1.1 401 Unauthorized\r\nDate: {date}\r\nServer: App-webs/\r\nContent-Length: {n}\r\n"
    'WWW-Authenticate: Digest realm="IP Camera({d})", nonce="{nonce}", qop="auth"\r\n\r\n'
)


@pytest.fixture(scope="module")
def engine() -> Identifier:
    return Identifier()


def _line(engine: Identifier, ev: Evidence) -> str:
    return json.dumps(engine.identify([ev]).to_dict(), ensure_ascii=False) + "\n"


@settings(max_examples=60, deadline=None)
@given(
    dates=st.lists(st.text("0123456789 :,ADFGJMNOSTWabcdehlnoprtuy", max_size=40), min_size=2),
    nonce=st.text("0123456789abcdef:", max_size=40),
    digits=st.sampled_from(["12345", "12345", "99"]),
)
def test_memoised_answers_equal_fresh_ones(engine, dates, nonce, digits):
    batch = BatchIdentifier(engine)
    for i, date in enumerate(dates):
        text = HIK_401.format(date=date, n=i, d=digits, nonce=nonce + str(i))
        ev = Evidence(K.HTTP, text.encode())
        assert batch.json_line(ev) == _line(engine, ev)
        assert batch.identify(ev).to_dict() == engine.identify([ev]).to_dict()


def test_repeats_are_served_from_the_memo_with_their_own_hash(engine):
    batch = BatchIdentifier(engine)
    evs = [
        Evidence(K.HTTP, HIK_401.format(date=f"Mon, 0{i} Jan", n=0, d=1, nonce=f"{i}ab").encode())
        for i in range(1, 6)
    ]
    lines = [batch.json_line(ev) for ev in evs]
    assert batch.hits == 4 and batch.misses == 1
    for ev, line in zip(evs, lines, strict=True):
        assert ev.sha256 in line
        assert line == _line(engine, ev)


def test_a_reference_citing_text_absent_from_the_new_record_is_recomputed(engine):
    # The realm differs only in its digits: the masked keys differ anyway; here the memo is
    # forced to meet a record whose cited realm is not in its bytes.
    batch = BatchIdentifier(engine)
    first = Evidence(K.HTTP, HIK_401.format(date="x", n=0, d=111, nonce="a").encode())
    batch.json_line(first)
    key = next(iter(batch._memo))
    ident, sha, cited, line = batch._memo[key]
    batch._memo[key] = (ident, sha, (*cited, "not in any record"), line)
    second = Evidence(K.HTTP, HIK_401.format(date="y", n=0, d=111, nonce="b").encode())
    assert batch.json_line(second) == _line(engine, second)
    assert batch.hits == 0


def test_a_record_carrying_its_own_mac_is_identified_afresh(engine):
    # The same headers from two devices, the second with its MAC (a Hikvision OUI) attached.
    batch = BatchIdentifier(engine)
    text = b"HTTP/1.1 401 Unauthorized\r\nServer: nginx\r\n\r\n"
    bare = Evidence(K.HTTP, text)
    with_mac = Evidence(K.HTTP, text, mac="c4:2f:90:00:00:01")
    assert batch.json_line(bare) == _line(engine, bare)
    line = batch.json_line(with_mac)
    assert line == _line(engine, with_mac)
    assert '"manufacturer": "Hikvision"' in line


def test_large_or_other_kinds_bypass_the_memo(engine):
    batch = BatchIdentifier(engine)
    mac = Evidence(K.MAC, b"bc:ad:28:00:00:01")
    assert batch.json_line(mac) == _line(engine, mac)
    assert batch.json_line(mac) == _line(engine, mac)
    assert batch.hits == 0


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from([K.HTTP, K.RTSP, K.BANNER, K.TLS, K.MAC]),
    data=st.binary(max_size=600),
)
def test_random_records_never_raise_and_match_the_engine(engine, kind, data):
    batch = BatchIdentifier(engine)
    ev = Evidence(kind, data)
    assert batch.json_line(ev) == _line(engine, ev)
    assert batch.json_line(ev) == _line(engine, ev)  # the second one from the memo


def test_certificate_names_repeat_from_the_memo(engine):
    batch = BatchIdentifier(engine)
    evs = [Evidence(K.TLS, b"CN=IPC,O=Hikvision,C=CN") for _ in range(3)]
    evs.append(Evidence(K.TLS, b"CN=192.0.2.9,O=Axis Communications AB,C=SE"))
    for ev in evs:
        assert batch.json_line(ev) == _line(engine, ev)
    assert batch.hits == 2 and batch.misses == 2


def test_a_known_batch_of_every_kind_equals_the_engine(engine):
    # The benchmark's own mix: 2,000 records.
    batch = BatchIdentifier(engine)
    for rec in records(2000, seed=11):
        ev = evidence_from_record(rec)
        assert batch.json_line(ev) == _line(engine, ev)
    assert batch.hits > 0
