"""Bad input gives a one-line error and exit code 2 — never a traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "args, message",
    [
        (["scan", "127.20.0.0/33"], "cannot parse target"),
        (["scan", "cameras.example.org"], "host names are not accepted"),
        (["scan", "127.0.0.1", "--exclude", "nonsense"], "cannot parse target"),
        (["scan", "127.0.0.1", "--ports", "80,http"], "bad port list"),
        (
            ["identify", "/nonexistent/file.txt", "--kind", "http"],
            "cannot read /nonexistent/file.txt",
        ),
        (["identify", "--kind", "smtp", "x"], "unknown evidence kind"),
        (["identify"], "give evidence FILEs"),
        (["devices", "--db", "not a url"], "invalid database URL"),
        (["devices", "--db", "nosuchdb://x"], "unsupported database URL"),
        (["report", "--format", "docx", "-o", "x.docx"], "unknown report format"),
        (["kb", "explain", "no.such.rule"], "no rule or pattern"),
    ],
)
def test_bad_input_exit_2(cli, args, message):
    result = cli(*args)
    assert result.code == 2, result
    assert message in result.err
    assert "Traceback" not in result.err + result.out
    assert len(result.err.strip().splitlines()) == 1


def test_bad_batch_line_names_the_line(cli, tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"kind": "http", "data": "Server: x"}\n{"kind": "http"\n')
    result = cli("identify", "--batch", str(batch), "--json")
    assert result.code == 2
    assert f"{batch}:2" in result.err


def test_unreadable_file(cli, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    result = cli("identify", "--kind", "http", str(d))
    assert result.code == 2 and "cannot read" in result.err


def test_usage_error_from_click_is_exit_2(cli):
    assert cli("scan").code == 2
    assert cli("no-such-command").code == 2
