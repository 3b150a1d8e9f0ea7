import contextlib
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError, InputError
from camaudit.evidence import evidence_from_record, guess_kind, iter_jsonl, parse_kind, write_jsonl
from camaudit.models import Evidence, EvidenceKind


def test_round_trip_text_binary_and_asset_row():
    evs = [
        Evidence(
            EvidenceKind.HTTP,
            b"HTTP/1.1 200 OK\r\n\r\n",
            ip="127.0.0.5",
            port=80,
            mac="c4:2f:90:00:00:01",
        ),
        Evidence(EvidenceKind.SADP, b"\xff\x00binary", ip="127.0.0.6"),
        Evidence(
            EvidenceKind.ASSET_ROW,
            json.dumps({"make": "Hikvision", "model": "DS-2CD2143G2-I"}, sort_keys=True).encode(),
        ),
    ]
    buf = io.StringIO()
    assert write_jsonl(evs, buf) == 3
    back = list(iter_jsonl(io.StringIO(buf.getvalue())))
    assert [e.payload for e in back] == [e.payload for e in evs]
    assert back[0].ip == "127.0.0.5" and back[0].port == 80 and back[0].mac == "c4:2f:90:00:00:01"
    assert "data_b64" in json.loads(buf.getvalue().splitlines()[1])


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "invalid JSON"),
        ('{"kind": "nope", "data": "x"}', "unknown 'kind'"),
        ('{"kind": "http"}', "neither 'data' nor 'data_b64'"),
        ('{"kind": "http", "data": 5}', "'data' must be"),
        ('{"kind": "http", "data": "x", "port": 70000}', "bad port"),
        ('{"kind": "http", "data_b64": "%%%"}', "not valid base64"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_bad_records_name_the_line(line, message):
    with pytest.raises(EvidenceFormatError) as exc:
        list(
            iter_jsonl(
                io.StringIO('{"kind": "http", "data": "ok"}\n' + line + "\n"), source="f.jsonl"
            )
        )
    assert message in str(exc.value)
    assert "f.jsonl:2" in str(exc.value)
    assert isinstance(exc.value, InputError)


def test_parse_kind_lists_choices():
    assert parse_kind("HTTP") is EvidenceKind.HTTP
    with pytest.raises(InputError, match="expected one of"):
        parse_kind("smtp")


@pytest.mark.parametrize(
    "payload, kind",
    [
        (b"HTTP/1.1 401 Unauthorized\r\n", EvidenceKind.HTTP),
        (b"RTSP/1.0 200 OK\r\n", EvidenceKind.RTSP),
        (b"<tds:GetDeviceInformationResponse>", EvidenceKind.ONVIF_DEVINFO),
        (b"onvif://www.onvif.org/name/X", EvidenceKind.WSD_PROBEMATCH),
        (b"220 FTP server ready", EvidenceKind.BANNER),
        (b"random words", None),
    ],
)
def test_guess_kind(payload, kind):
    assert guess_kind(payload) is kind


@given(
    st.dictionaries(
        st.text(max_size=8), st.one_of(st.text(max_size=20), st.integers(), st.none()), max_size=6
    )
)
def test_records_never_raise_anything_but_format_errors(rec):
    with contextlib.suppress(EvidenceFormatError):
        evidence_from_record(rec)
