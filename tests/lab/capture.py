"""A packet capture on the loopback interface (tcpdump, as root) counting every packet to or
from some addresses: the proof that a scan sent nothing out of its scope."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

#: Never inside a test's or bench's scope; hostile personas point there.
OUT_OF_SCOPE = "127.254.254.0/24"
CONTROL = ("127.254.254.9", 9)  # one datagram sent here proves the capture sees packets


def capture_available() -> bool:
    return shutil.which("tcpdump") is not None and os.geteuid() == 0


class Capture:
    """``with Capture() as cap: ...``, then ``cap.sent``: TCP and UDP packets *to* ``net`` (what a
    scanner sent there; a kernel's ICMP answer to a hostile source is not counted) and
    ``cap.received``: packets *from* it (hostile replies from a spoofed source). A control
    datagram sent once the capture listens must be seen (``control_seen``), or it proves nothing."""

    def __init__(self, net: str = OUT_OF_SCOPE) -> None:
        self.net = net
        self.prefix = net.rsplit(".", 1)[0] + "."  # a /24
        self.sent = -1
        self.received = -1
        self.control_seen = False
        self.seen: list[str] = []
        self._dir = tempfile.TemporaryDirectory(prefix="camaudit-capture-")
        self.file = Path(self._dir.name) / "out-of-scope.pcap"
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Capture:
        cmd = [
            "tcpdump",
            "-i",
            "lo",
            "-n",
            "-U",
            "--immediate-mode",
            "-w",
            str(self.file),
            "net",
            self.net,
        ]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert self._proc.stderr is not None
        line = self._proc.stderr.readline()  # "listening on lo ...": the capture is live
        if b"listening" not in line:
            self._proc.kill()
            raise RuntimeError(f"tcpdump did not start: {line!r}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"camaudit-capture-control", CONTROL)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._proc is not None
        self._proc.terminate()
        self._proc.wait(timeout=10)
        out = subprocess.run(
            ["tcpdump", "-n", "-r", str(self.file)], capture_output=True, check=False
        ).stdout.decode("latin-1")
        self._dir.cleanup()
        self.sent = self.received = 0
        for line in out.splitlines():
            m = _LINE.search(line)
            if not m:
                continue
            src, dst = m.group(1), m.group(2)
            if CONTROL[0] in (_host(src), _host(dst)):
                self.control_seen = True
            elif _host(dst).startswith(self.prefix) and " ICMP " not in line:
                self.sent += 1
                self.seen.append(line)
            elif _host(src).startswith(self.prefix):
                self.received += 1


_LINE = re.compile(r" IP6? (\S+) > (\S+?):")


def _host(endpoint: str) -> str:
    """``127.0.0.1.5000`` -> ``127.0.0.1`` (tcpdump -n writes the port after a dot)."""
    parts = endpoint.split(".")
    return ".".join(parts[:4])
