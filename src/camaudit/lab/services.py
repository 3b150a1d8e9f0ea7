"""Protocol name -> server module. A persona's ``ports:`` keys are looked up here.

Later stages add their modules (``rtsp``, ``onvif``, ``wsd``, ``sadp``, ``dhip``, ``ssdp``,
``tls``...) with :func:`register_service` or by extending :data:`STARTERS`; a port whose protocol
has no module yet is reported by :attr:`camaudit.lab.runner.LabServer.unserved`, not bound.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from camaudit.lab import http_server
from camaudit.lab.base import Service, ServiceContext

Starter = Callable[[ServiceContext], Awaitable[Service]]

STARTERS: dict[str, Starter] = {
    "http": http_server.start,
}


def register_service(protocol: str, starter: Starter) -> None:
    """Make ``protocol`` servable; replacing an existing entry is an error."""
    if protocol in STARTERS and STARTERS[protocol] is not starter:
        raise ValueError(f"a server for protocol {protocol!r} is already registered")
    STARTERS[protocol] = starter
