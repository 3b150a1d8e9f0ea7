"""Greeting probe for FTP (21) and Telnet (23): read what the service says first, send nothing
of substance and never any credentials.

Telnet option negotiation is refused minimally (``DO x`` → ``WONT x``, ``WILL x`` → ``DONT x``, at
most once per option) so that devices which wait for it go on to print their banner and prompt.
Evidence: ``banner`` — the greeting text with Telnet commands removed.
"""

from __future__ import annotations

import re
import ssl
import time
from dataclasses import dataclass, field

from camaudit.models import EvidenceKind
from camaudit.net.transport import close_quietly, read_bounded
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer, observed
from camaudit.probes.http_request import Outcome, connect

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
#: Most bytes of greeting kept (greetings are short; a flood is cut here).
MAX_BANNER = 16 * 1024
_MAX_REPLIES = 32
_FTP_DONE = re.compile(rb"(?m)^\d{3} [^\r\n]*\r?\n")
_PROMPT = re.compile(rb"(?i)(?:login|user ?name|username|user|password|passwd)\s*:\s*$|[>#$%]\s*$")


@dataclass(slots=True)
class TelnetFilter:
    """Splits a Telnet byte stream into text and the refusals to send back. Incremental."""

    text: bytearray = field(default_factory=bytearray)
    answered: set[tuple[int, int]] = field(default_factory=set)
    _pending: bytes = b""
    _in_sb: bool = False

    def feed(self, data: bytes) -> bytes:
        """Consume ``data``; return the negotiation replies to send (possibly empty)."""
        buf = self._pending + data
        self._pending = b""
        replies = bytearray()
        i, n = 0, len(buf)
        while i < n:
            b = buf[i]
            if b != IAC:
                if not self._in_sb:
                    self.text.append(b)
                i += 1
                continue
            if i + 1 >= n:
                self._pending = buf[i:]
                break
            cmd = buf[i + 1]
            if cmd == IAC:  # an escaped 0xFF data byte
                if not self._in_sb:
                    self.text.append(IAC)
                i += 2
            elif cmd in (DO, DONT, WILL, WONT):
                if i + 2 >= n:
                    self._pending = buf[i:]
                    break
                opt = buf[i + 2]
                refusal = {DO: WONT, WILL: DONT}.get(cmd)
                fresh = (cmd, opt) not in self.answered and len(self.answered) < _MAX_REPLIES
                if refusal is not None and fresh:
                    self.answered.add((cmd, opt))
                    replies += bytes((IAC, refusal, opt))
                i += 3
            elif cmd == SB:
                self._in_sb = True
                i += 2
            elif cmd == SE:
                self._in_sb = False
                i += 2
            else:
                i += 2
        return bytes(replies)


def _greeting_complete(text: bytes, telnet: bool) -> bool:
    stripped = text.rstrip(b"\x00")
    if not stripped:
        return False
    if telnet:
        return _PROMPT.search(stripped[-256:]) is not None
    return _FTP_DONE.search(stripped) is not None or _PROMPT.search(stripped[-256:]) is not None


class BannerProbe:
    """FTP/Telnet greeting grabber (port 23 and 2323 are treated as Telnet)."""

    name = "banner"
    default_ports: tuple[int, ...] = (21, 23)
    telnet_ports: frozenset[int] = frozenset({23, 2323})

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        deadline = timer.start + ctx.timeout
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        conn = await connect(ctx, ip, port, deadline, None)
        if isinstance(conn, Outcome):
            result.status, result.detail = conn.status, conn.detail
            result.elapsed = timer.elapsed
            return result
        reader, writer = conn
        telnet = port in self.telnet_ports
        filt = TelnetFilter()
        cap = min(ctx.max_bytes, MAX_BANNER)
        received = 0
        truncated = False
        try:
            while time.monotonic() < deadline:
                # until=b"" returns after each chunk, so negotiation is answered promptly
                ex = await read_bounded(
                    reader, max_bytes=cap - received, deadline=deadline, until=b""
                )
                received += len(ex.data)
                replies = filt.feed(ex.data)
                if replies:
                    await ctx.limiter.acquire()
                    writer.write(replies)
                if ex.truncated or received >= cap:
                    truncated = True
                    break
                if not ex.data or ex.timed_out:
                    break
                if _greeting_complete(bytes(filt.text), telnet or bool(filt.answered)):
                    break
        except (ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            await close_quietly(writer)
        text = bytes(filt.text).strip(b"\x00 \t\r\n")
        if text:
            result.status = ProbeStatus.TRUNCATED if truncated else ProbeStatus.SUCCESS
            service = "telnet" if telnet or filt.answered else "ftp" if port == 21 else "tcp"
            result.evidence.append(
                observed(
                    EvidenceKind.BANNER,
                    text,
                    ip,
                    port,
                    f"probe:{self.name} {service} greeting",
                    truncated=truncated,
                )
            )
        result.elapsed = timer.elapsed
        return result
