"""Persona sections for greeting-banner services: ``ftp:`` and ``telnet:``.

    ftp:
      banner: "220 AXIS {model} Network Camera {firmware} ({fw_year}) ready."
      syst: "215 UNIX Type: L8"              # answer to SYST after login
    telnet:
      negotiate: "fffb01fffb03"              # option bytes sent first (hex; IAC WILL ECHO...)
      banner: "\\r\\nWelcome to {product} {firmware} from {peer}\\r\\n"
      prompt: "login: "
      attempts: 3

Templates may use ``{peer}`` (the client's address). Lines are sent as written; the FTP banner
gets CRLF added.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from camaudit.lab.spec_parsing import check_keys, fail, mapping, number, optional_text, text


@dataclass(frozen=True, slots=True)
class FtpSpec:
    banner: str
    syst: str = "215 UNIX Type: L8"

    def templates(self) -> Iterator[str]:
        yield from (self.banner, self.syst)


@dataclass(frozen=True, slots=True)
class TelnetSpec:
    banner: str
    prompt: str = "login: "
    negotiate: bytes = b""
    attempts: int = 3

    def templates(self) -> Iterator[str]:
        yield from (self.banner, self.prompt)


def parse_ftp_spec(raw: Any, where: str = "ftp") -> FtpSpec:
    data = mapping(raw, where)
    check_keys(data, ("banner", "syst"), where)
    banner = text(data.get("banner"), f"{where}.banner")
    if not banner.startswith("220"):
        raise fail(f"{where}.banner", "an FTP greeting starts with 220")
    return FtpSpec(banner=banner, syst=optional_text(data, "syst", where, "215 UNIX Type: L8"))


def parse_telnet_spec(raw: Any, where: str = "telnet") -> TelnetSpec:
    data = mapping(raw, where)
    check_keys(data, ("banner", "prompt", "negotiate", "attempts"), where)
    try:
        negotiate = binascii.unhexlify(optional_text(data, "negotiate", where, ""))
    except (binascii.Error, ValueError) as exc:
        raise fail(f"{where}.negotiate", f"expected hex bytes: {exc}") from exc
    return TelnetSpec(
        banner=optional_text(data, "banner", where, ""),
        prompt=optional_text(data, "prompt", where, "login: "),
        negotiate=negotiate,
        attempts=int(number(data, "attempts", where, 3, minimum=1)),
    )
