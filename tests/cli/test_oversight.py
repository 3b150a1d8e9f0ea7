"""`camaudit bodies`, `camaudit oversight` and `camaudit answer` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"


def test_survey_table_from_the_cli(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'o.db'}"
    assert cli("bodies", "load", "--db", db).code == 0
    listed = cli("bodies", "list", "--db", db, "--json")
    bodies = json.loads(listed.out)
    assert len(bodies) == 33
    assert cli("oversight", "survey", "scotland-2025-01", "--db", db).code == 0
    out = tmp_path / "r.json"
    r = cli("oversight", "report", "--request", "1", "-f", "json", "-o", str(out), "--db", db)
    assert r.code == 0, r.err
    assert "461,230 + 7 not known" in r.out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [s["bodies"] for s in data["statuses"]] == [9, 7, 3, 0, 0, 6]


def test_a_signed_answer_through_the_cli(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'o.db'}"
    org = "Fife Council"
    register = FIXTURES / "register" / "messy_register.csv"
    assert cli("import", "register", str(register), "--org", org, "--db", db).code == 0
    key = tmp_path / "fife.pem"
    pub = tmp_path / "fife.pub"
    r = cli("answer", "keygen", str(key))
    assert r.code == 0 and "BEGIN PUBLIC KEY" in r.out
    pub.write_text(r.out, encoding="ascii")
    answer = tmp_path / "answer.json"
    r = cli("answer", "export", "--org", org, "-o", str(answer), "--key", str(key), "--db", db)
    assert r.code == 0, r.err
    assert cli("answer", "verify", str(answer), "--public-key", str(pub)).out.startswith("signed")

    assert cli("bodies", "load", "--db", db).code == 0
    assert cli("bodies", "key", "fife", str(pub), "--db", db).code == 0
    assert cli("bodies", "link", "fife", org, "--db", db).code == 0
    r = cli(
        "oversight", "request", "Makers", "-q", "Which makers?", "--round", "2026-01", "--db", db
    )
    assert r.code == 0
    assert cli("oversight", "send", "1", "fife", "--date", "2026-01-05", "--db", db).code == 0
    r = cli(
        "oversight",
        "respond",
        "1",
        "fife",
        "--status",
        "denied",
        "--answer",
        str(answer),
        "--db",
        db,
    )
    assert r.code == 0 and "signed" in r.out, r.err
    r = cli("oversight", "report", "--db", db, "--today", "2026-02-20")
    assert r.code == 0

    # a tampered answer is refused with one line and exit 2
    doc = json.loads(answer.read_text(encoding="utf-8"))
    doc["restricted"]["devices"] = 0
    answer.write_text(json.dumps(doc), encoding="utf-8")
    assert cli("answer", "verify", str(answer), "--public-key", str(pub)).code == 2
    r = cli(
        "oversight",
        "respond",
        "1",
        "fife",
        "--status",
        "denied",
        "--answer",
        str(answer),
        "--db",
        db,
    )
    assert r.code == 2 and "does not verify" in r.err


def test_access_errors_are_one_line(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'o.db'}"
    assert cli("bodies", "load", "--db", db).code == 0
    r = cli("oversight", "evidence", "fife", "--db", db, "--user", "editor")
    assert r.code == 3 and "not granted" in r.err and "Traceback" not in r.err
    assert cli("oversight", "grant", "editor", "--body-user", "fife", "--db", db).code == 0
    assert cli("oversight", "evidence", "fife", "--db", db, "--user", "editor").code == 0
