"""The oversight page holds no raw control character: a reply's text, its source and the request
(which may quote a device's model, firmware or name) reach the HTML with C0/C1 controls and bidi
overrides shown as U+FFFD, markup still escaped."""

from __future__ import annotations

from pathlib import Path

from tests.figures import record

HOSTILE = "cam\x1b[2J\x1b[31mred\x07\x08\r\x00\x9b31m\u202egnp.exe <script>alert(1)</script>"
RAW = ("\x1b", "\x07", "\x08", "\r", "\x00", "\x9b", "\u202e")


def test_oversight_html_holds_no_raw_controls(cli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    assert cli("bodies", "load", "--db", db).code == 0
    made = cli("oversight", "request", "Makers", "-q", HOSTILE, "--round", "2026-01", "--db", db)
    assert made.code == 0, made.err
    assert cli("oversight", "send", "1", "fife", "--date", "2026-01-05", "--db", db).code == 0
    r = cli(
        "oversight", "respond", "1", "fife", "--status", "denied", "--text", HOSTILE,
        "--source", HOSTILE, "--db", db,
    )  # fmt: skip
    assert r.code == 0, r.err
    out = tmp_path / "o.html"
    r = cli("oversight", "report", "--request", "1", "-f", "html", "-o", str(out), "--db", db)
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "gnp.exe" in html  # the reply is shown...
    assert [c for c in RAW if c in html] == []  # ...with no control character left raw
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    record("injection_controls", output="oversight html", live=0)
