"""The run memo: replies whose realm carries a per-device id, served exactly as the engine."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.identify.batch import BatchIdentifier
from camaudit.models import Evidence, EvidenceKind

K = EvidenceKind
HTTP = (
    "HTTP/1.1 401 Unauthorized\r\nDate: Mon, 0{i} Jan 2026 10:00:00 GMT\r\n{server}"
    'Content-Length: 0\r\nWWW-Authenticate: Digest realm="{realm}", nonce="{i}ab{i}", '
    'qop="auth"\r\nConnection: close\r\n\r\n'
)
RTSP = 'RTSP/1.0 401 Unauthorized\r\nCSeq: {i}\r\n{server}WWW-Authenticate: Basic realm="{realm}"\r\n\r\n'
SERVERS = ["", "Server: Webs\r\n", "Server: App-webs/\r\n", "Server: AXIS Media Server\r\n"]
#: Realm shapes seen on real devices, and some that read a model or a MAC out of the run.
PREFIXES = ["Login to ", "AXIS_", "IP Camera(", "", "DS-2CD", "HIK", "NVR ", "DH-IPC-HDW"]
#: Runs: serials, numbers, MACs (some with restricted or other vendors' OUIs), model-like text.
RUNS = st.one_of(
    st.text("0123456789ABCDEF", min_size=4, max_size=14),
    st.text("0123456789abcdef", min_size=4, max_size=12),
    st.text("0123456789", min_size=4, max_size=12),
    st.sampled_from(["C42F90", "BCAD28", "ACCC8E", "3CEF8C", "00408C", "E0508B"]).flatmap(
        lambda oui: st.text("0123456789ABCDEF", min_size=6, max_size=6).map(lambda t: oui + t)
    ),
    st.sampled_from(["2CD2032", "2CD2143G0", "1234", "5442", "4431C"]),
)


@pytest.fixture(scope="module")
def engine() -> Identifier:
    return Identifier()


def _line(engine: Identifier, ev: Evidence) -> str:
    return json.dumps(engine.identify([ev]).to_dict(), ensure_ascii=False) + "\n"


def _reply(kind: K, i: int, server: str, prefix: str, run: str) -> Evidence:
    realm = prefix + run + (")" if prefix.endswith("(") else "")
    template = HTTP if kind is K.HTTP else RTSP
    return Evidence(kind, template.format(i=i, server=server, realm=realm).encode())


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from([K.HTTP, K.RTSP]),
    server=st.sampled_from(SERVERS),
    prefix=st.sampled_from(PREFIXES),
    runs=st.lists(RUNS, min_size=2, max_size=6),
)
def test_realm_memo_answers_equal_the_engine(engine, kind, server, prefix, runs):
    batch = BatchIdentifier(engine)
    for i, run in enumerate(runs):
        ev = _reply(kind, i % 10, server, prefix, run)
        assert batch.json_line(ev) == _line(engine, ev)


def test_per_device_realms_are_served_from_the_memo(engine):
    batch = BatchIdentifier(engine)
    serials = ["4C0B2A9D17E3", "9F21C04B88A1", "1A2B3C4D5E6F", "77E10C3B9A02", "0D4E5F6A7B8C"]
    evs = [_reply(K.HTTP, i, "Server: Webs\r\n", "Login to ", s) for i, s in enumerate(serials)]
    lines = [batch.json_line(ev) for ev in evs]
    assert batch.runs.misses == 1 and batch.runs.hits == 4
    for ev, serial, line in zip(evs, serials, lines, strict=True):
        assert line == _line(engine, ev)
        assert ev.sha256 in line and serial in line
        assert '"manufacturer": "Dahua"' in line


def test_an_entry_that_failed_its_check_is_never_reused(engine):
    batch = BatchIdentifier(engine)
    first = _reply(K.RTSP, 1, "", "Login to ", "4C0B2A9D17E3")
    batch.json_line(first)
    key = next(iter(batch.runs._memo))
    batch.runs._memo[key] = batch.runs._memo[key]._replace(checked=False)
    second = _reply(K.RTSP, 2, "", "Login to ", "9F21C04B88A1")
    assert batch.json_line(second) == _line(engine, second)
    assert batch.runs.hits == 0


def test_runs_of_other_classes_do_not_share_an_entry(engine):
    # All digits and hex with letters are keyed apart: a rule may read one and not the other.
    batch = BatchIdentifier(engine)
    for run in ("123456", "12AB56", "12ab56"):
        ev = _reply(K.HTTP, 1, "", "IP Camera(", run)
        assert batch.json_line(ev) == _line(engine, ev)
    assert batch.runs.hits == 0 and len(batch.runs._memo) == 3


def test_a_run_repeated_elsewhere_in_the_reply_is_not_served(engine):
    batch = BatchIdentifier(engine)
    text = 'RTSP/1.0 401 Unauthorized\r\nServer: 4C0B2A9D17E3\r\nWWW-Authenticate: Basic realm="Login to 4C0B2A9D17E3"\r\n\r\n'
    ev = Evidence(K.RTSP, text.encode())
    assert batch.json_line(ev) == _line(engine, ev)
    assert batch.runs.hits == 0 and batch.runs.misses == 0


@settings(max_examples=40, deadline=None)
@given(prefix=st.sampled_from(PREFIXES), runs=st.lists(RUNS, min_size=2, max_size=5))
def test_a_reply_printed_on_one_line_is_answered_as_the_engine(engine, prefix, runs):
    # Its realm is not a header line's: the engine reads it loosely, the memo does not serve it.
    batch = BatchIdentifier(engine)
    for i, run in enumerate(runs):
        realm = prefix + run + (")" if prefix.endswith("(") else "")
        text = f'RTSP/1.0 401 Unauthorized CSeq: {i} WWW-Authenticate: Basic realm="{realm}"'
        ev = Evidence(K.RTSP, text.encode())
        assert batch.json_line(ev) == _line(engine, ev)
    assert batch.runs.hits == 0


NAMES = [
    "CN={run},O=Dahua,C=CN",
    "CN=IPC-{run},O=Hikvision,C=CN",
    "CN={run}",
    "CN=axis-{run}",
    "CN=DS-2CD{run},O=Example",
    "CN=cam{run}.local,OU=Video,O=Uniview",
]


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(NAMES), runs=st.lists(RUNS, min_size=2, max_size=6))
def test_certificate_names_with_runs_equal_the_engine(engine, name, runs):
    batch = BatchIdentifier(engine)
    for run in runs:
        ev = Evidence(K.TLS, name.format(run=run).encode())
        assert batch.json_line(ev) == _line(engine, ev)


def test_per_device_certificate_names_are_served_from_the_memo(engine):
    batch = BatchIdentifier(engine)
    macs = ["90114183d260", "036cf78157d8", "c3f0f98964c1", "a0e51d78e61c"]
    for m in macs:
        ev = Evidence(K.TLS, f"CN={m},O=Dahua,C=CN".encode())
        line = batch.json_line(ev)
        assert line == _line(engine, ev)
        assert '"manufacturer": "Dahua"' in line
    assert batch.runs.hits == 3


def test_a_serial_number_that_is_another_makers_mac_is_not_shared(engine):
    # Generic fields read the whole name: an Axis MAC as a serialNumber names Axis, an
    # unregistered one nothing.
    batch = BatchIdentifier(engine)
    for mac in ("0a1b2c3d4e5f", "accc8e26f74b", "0a1b2c3d4e6f", "accc8e26f75b"):
        ev = Evidence(K.TLS, f"serialNumber={mac},CN=IPC".encode())
        assert batch.json_line(ev) == _line(engine, ev)


def test_a_mac_of_another_block_is_not_shared(engine):
    # A bare-MAC common name read as a MAC: a Hikvision block and an unregistered one differ.
    batch = BatchIdentifier(engine)
    for mac in ("c42f90a1b2c3", "c42f90d4e5f6", "0a1b2c3d4e5f", "bcad28a1b2c3"):
        ev = Evidence(K.TLS, f"CN={mac},OU=Video".encode())
        assert batch.json_line(ev) == _line(engine, ev)
