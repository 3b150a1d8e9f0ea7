"""Protocol name -> server module. A persona's ``ports:`` keys are looked up here.

Every module provides ``async def start(ctx) -> Service`` for one (device, port). Protocols in
:data:`MOUNTS` are served by another protocol's server when both share a port (ONVIF under
``/onvif/`` of the web server on port 80); a port whose protocol has no module is reported by
:attr:`camaudit.lab.runner.LabServer.unserved`, not bound. :data:`TRANSPORTS` says which socket
kind each protocol needs (the runner counts descriptors with it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from camaudit.lab import banners, dhip, http_server, mdns, rtsp_server, sadp, ssdp, wsd
from camaudit.lab.base import Service, ServiceContext

Starter = Callable[[ServiceContext], Awaitable[Service]]

STARTERS: dict[str, Starter] = {
    "http": http_server.start,
    "https": http_server.start_https,
    "onvif": http_server.start_onvif,
    "rtsp": rtsp_server.start,
    "ftp": banners.start_ftp,
    "telnet": banners.start_telnet,
    "wsd": wsd.start,
    "sadp": sadp.start,
    "dhip": dhip.start,
    "ssdp": ssdp.start,
    "mdns": mdns.start,
}
TRANSPORTS: dict[str, str] = {
    "http": "tcp",
    "https": "tcp",
    "onvif": "tcp",
    "rtsp": "tcp",
    "ftp": "tcp",
    "telnet": "tcp",
    "wsd": "udp",
    "sadp": "udp",
    "dhip": "udp",
    "ssdp": "udp",
    "mdns": "udp",
}
# protocol -> the protocol whose server answers it when both use the same port
MOUNTS: dict[str, str] = {"onvif": "http"}


def register_service(protocol: str, starter: Starter, transport: str = "tcp") -> None:
    """Make ``protocol`` servable; replacing an existing entry is an error."""
    if protocol in STARTERS and STARTERS[protocol] is not starter:
        raise ValueError(f"a server for protocol {protocol!r} is already registered")
    STARTERS[protocol] = starter
    TRANSPORTS[protocol] = transport
