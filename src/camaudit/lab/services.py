"""Protocol name -> server module. A persona's ``ports:`` keys are looked up here.

Every module provides ``async def start(ctx) -> Service`` for one (device, port). A port that the
persona's ``hostile:`` section names is served by the ``hostile-<kind>`` service instead
(:func:`service_for`; the behaviours live in :mod:`camaudit.lab.hostile`). Protocols in
:data:`MOUNTS` are served by another protocol's server when both share a port (ONVIF under
``/onvif/`` of the web server on port 80); a port whose protocol has no module is reported by
:attr:`camaudit.lab.runner.LabServer.unserved`, not bound. :data:`TRANSPORTS` says which socket
kind each protocol needs (the runner counts descriptors with it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from camaudit.lab import banners, dhip, hostile, http_server, mdns, rtsp_server, sadp, ssdp, wsd
from camaudit.lab.base import Service, ServiceContext
from camaudit.lab.hostile_spec import KINDS, HostileSpec

if TYPE_CHECKING:
    from camaudit.lab.persona import Persona

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


def service_for(persona: Persona, key: str) -> str:
    """The registered service that serves port ``key`` of ``persona``: ``hostile-<kind>`` when
    the persona's ``hostile:`` section lists the port, else the protocol named ``key``."""
    spec = persona.sections.get("hostile")
    if isinstance(spec, HostileSpec) and key in spec.ports:
        return f"hostile-{spec.ports[key].kind}"
    return key


def shares_port(persona: Persona, ports: Mapping[str, int], key: str) -> bool:
    """Whether port ``key`` is answered by another protocol's server on the same port (ONVIF
    inside the web server); hostile ports never are."""
    host = MOUNTS.get(key)
    return (
        host is not None
        and ports.get(host) == ports[key]
        and service_for(persona, key) == key
        and service_for(persona, host) == host
    )


_HOSTILE_STARTERS: dict[str, Starter] = {
    "tarpit": hostile.start_tcp,
    "deaf": hostile.start_tcp,
    "stream": hostile.start_tcp,
    "reset": hostile.start_tcp,
    "tls_cert": hostile.start_tls,
    "udp_silent": hostile.start_udp,
    "udp_reply": hostile.start_udp,
    "udp_flood": hostile.start_flood,
}
for _kind, _transport in KINDS.items():
    register_service(f"hostile-{_kind}", _HOSTILE_STARTERS[_kind], _transport)
