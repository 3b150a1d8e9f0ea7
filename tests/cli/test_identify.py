from __future__ import annotations

import json


def test_identify_json_contract(cli, tmp_path):
    f = tmp_path / "resp.txt"
    f.write_bytes(b"HTTP/1.1 401 Unauthorized\r\nServer: DNVRS-Webs\r\n\r\n")
    result = cli("identify", "--kind", "http", str(f), "--json")
    assert result.code == 0, result.err
    (ident,) = json.loads(result.out)
    for key in (
        "manufacturer",
        "brand",
        "model",
        "firmware",
        "device_type",
        "confidence",
        "evidence",
        "restricted",
    ):
        assert key in ident
    assert ident["manufacturer"] == "Hikvision"
    assert ident["evidence"][0]["kind"] == "http"


def test_identify_batch_is_json_lines(cli, tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        '{"kind": "mac", "data": "c4:2f:90:00:00:01", "ip": "127.0.0.5"}\n'
        '{"kind": "http", "data": "HTTP/1.1 200 OK\\r\\nServer: nginx\\r\\n\\r\\n"}\n'
    )
    result = cli("identify", "--batch", str(batch), "--json")
    assert result.code == 0, result.err
    lines = [json.loads(x) for x in result.out.splitlines()]
    assert [x["manufacturer"] for x in lines] == ["Hikvision", None]


def test_identify_corpus_files(cli, corpus):
    files = [
        corpus / "raw/hikvision/recog_http_servers_Web-server-found-on-DVR-and-webcam-serve_3.txt",
        corpus / "raw/axis/gb_wwwauth_digest_realm_AXIS_ACCC8E59BF16.txt",
    ]
    result = cli("identify", "--kind", "http", *map(str, files), "--json")
    assert result.code == 0, result.err
    makers = [x["manufacturer"] for x in json.loads(result.out)]
    assert makers[0] == "Hikvision"
    assert makers[1] == "Axis"
