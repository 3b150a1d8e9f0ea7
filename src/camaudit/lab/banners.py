"""Greeting-banner services: FTP (21) and telnet (23).

Both greet with the persona's banner, then follow a minimal, bounded dialogue and close politely:

* FTP answers USER/PASS (230 with the device's credentials, else 530), SYST, NOOP and QUIT (221);
  anything else is 502 (500 before login). Idle clients get ``421`` and the connection closes.
* telnet sends its option bytes and banner, asks ``login:`` and ``Password:``, and always answers
  ``Login incorrect`` (no shell, ever) until the attempts are spent.

Lines are capped at ``line_max`` bytes and ``line_max_commands`` per connection; every wait has a
timeout.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from camaudit.lab.banner_spec import FtpSpec, TelnetSpec
from camaudit.lab.base import ListeningService, ServiceContext, tcp_listener
from camaudit.lab.templates import render

logger = logging.getLogger(__name__)


class LineService(ListeningService):
    """A TCP listener that greets and then talks line by line (subclasses define the dialogue)."""

    name = "line"

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        settings = self.ctx.settings
        sock = tcp_listener(self.ctx.ip, self.ctx.port, settings.backlog)
        self._server = await asyncio.start_server(
            self._on_connection, sock=sock, limit=settings.line_max
        )

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = self.ctx.tracker.add_current()
        peer = writer.get_extra_info("peername")
        context = {**self.ctx.context, "peer": peer[0] if isinstance(peer, tuple) else ""}
        try:
            await self.dialogue(reader, writer, context)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception:  # a persona bug must not kill the lab
            logger.exception(
                "lab %s %s:%s: error while serving", self.name, self.ctx.ip, self.ctx.port
            )
        finally:
            self.ctx.tracker.discard(task)
            writer.close()

    async def send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        async with asyncio.timeout(self.ctx.settings.write_timeout):
            await writer.drain()

    async def read_line(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next line without its end, or None on timeout, EOF or an over-long line."""
        try:
            async with asyncio.timeout(self.ctx.settings.line_timeout):
                line = await reader.readline()
        except (TimeoutError, ValueError, asyncio.LimitOverrunError):
            return None
        if not line.endswith(b"\n"):
            return None
        return line.rstrip(b"\r\n")

    async def dialogue(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: dict[str, str]
    ) -> None:
        raise NotImplementedError


class FtpService(LineService):
    name = "ftp"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.spec = ctx.persona.spec("ftp", FtpSpec)

    async def dialogue(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: dict[str, str]
    ) -> None:
        await self.send(
            writer, render(self.spec.banner, context).encode("latin-1", "replace") + b"\r\n"
        )
        user: str | None = None
        logged_in = False
        for _ in range(self.ctx.settings.line_max_commands):
            line = await self.read_line(reader)
            if line is None:
                await self.send(writer, b"421 Timeout.\r\n")
                return
            verb, _, argument = line.decode("latin-1").partition(" ")
            verb = verb.upper()
            if verb == "QUIT":
                await self.send(writer, b"221 Goodbye.\r\n")
                return
            if verb == "USER":
                user, logged_in = argument.strip(), False
                answer = f"331 Password required for {user[:64]}."
            elif verb == "PASS" and user is not None:
                device = self.ctx.device
                logged_in = user == device.username and hmac.compare_digest(
                    argument.encode("latin-1"), device.password.encode("latin-1", "replace")
                )
                answer = "230 User logged in." if logged_in else "530 Login incorrect."
            elif verb == "NOOP":
                answer = "200 NOOP command successful."
            elif verb == "SYST" and logged_in:
                answer = render(self.spec.syst, context)
            elif not logged_in:
                answer = "530 Please login with USER and PASS."
            else:
                answer = f"502 {verb[:16]} not implemented."
            await self.send(writer, answer.encode("latin-1", "replace") + b"\r\n")
        await self.send(writer, b"421 Too many commands.\r\n")


class TelnetService(LineService):
    name = "telnet"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.spec = ctx.persona.spec("telnet", TelnetSpec)

    async def dialogue(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: dict[str, str]
    ) -> None:
        prompt = render(self.spec.prompt, context).encode("latin-1", "replace")
        greeting = render(self.spec.banner, context).encode("latin-1", "replace")
        await self.send(writer, self.spec.negotiate + greeting + prompt)
        for attempt in range(self.spec.attempts):
            if await self.read_line(reader) is None:
                return
            await self.send(writer, b"Password: ")
            if await self.read_line(reader) is None:
                return
            last = attempt == self.spec.attempts - 1
            await self.send(writer, b"\r\nLogin incorrect\r\n" + (b"" if last else prompt))


async def start_ftp(ctx: ServiceContext) -> FtpService:
    service = FtpService(ctx)
    await service.start()
    return service


async def start_telnet(ctx: ServiceContext) -> TelnetService:
    service = TelnetService(ctx)
    await service.start()
    return service
