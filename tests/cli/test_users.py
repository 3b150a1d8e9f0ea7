"""``camaudit users add/list/grant/disable`` and ``camaudit serve``."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from camaudit.accounts import authenticate, users
from camaudit.errors import AuthError
from camaudit.store import Store


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_users_add_list_grant_disable(cli, db_url, monkeypatch):
    _stdin(monkeypatch, "a long enough password\n")
    r = cli(
        "users",
        "add",
        "alice",
        "--org",
        "Example Council",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
    )
    assert r.code == 0, r.err
    r = cli(
        "users",
        "grant",
        "alice",
        "--org",
        "Other Body",
        "--role",
        "oversight",
        "--evidence-granted",
        "--db",
        db_url,
    )
    assert r.code == 0, r.err
    r = cli("users", "list", "--db", db_url)
    assert "alice" in r.out and "admin of" in r.out
    listed = json.loads(cli("users", "list", "--json", "--db", db_url).out)
    assert listed[0]["roles"] == [
        {"org": "Example Council", "role": "admin", "evidence_granted": False},
        {"org": "Other Body", "role": "oversight", "evidence_granted": True},
    ]
    with Store.open(db_url) as store:
        assert authenticate(store, "alice", "a long enough password", "cli").username == "alice"
    assert cli("users", "disable", "alice", "--db", db_url).code == 0
    with Store.open(db_url) as store:
        assert users(store)[0].disabled
        with pytest.raises(AuthError):
            authenticate(store, "alice", "a long enough password", "cli")


def test_users_add_refuses_bad_input(cli, db_url, monkeypatch):
    _stdin(monkeypatch, "short\n")
    r = cli("users", "add", "bob", "--password-stdin", "--db", db_url)
    assert r.code == 2 and "at least" in r.err
    _stdin(monkeypatch, "a long enough password\n")
    r = cli("users", "add", "bob", "--role", "king", "--password-stdin", "--db", db_url)
    assert r.code == 2 and "unknown role" in r.err
    assert cli("users", "disable", "nobody", "--db", db_url).code == 2


def test_serve_answers_on_loopback(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "camaudit",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            db,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.2)
        assert "Sign in" in body
    finally:
        proc.terminate()
        proc.wait(10)
