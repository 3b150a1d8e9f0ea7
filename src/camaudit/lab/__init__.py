"""The emulated CCTV lab: personas as data, a deterministic fleet on 127.x.y.z addresses, and
asyncio servers for every device (one module per protocol, listed in :mod:`~.services`).

Protocols: HTTP and HTTPS (the persona's web app; vendor-style certificates built on first use),
RTSP, ONVIF (inside the web server under ``/onvif/`` or on a port of its own), FTP and telnet
greetings, and the UDP discovery responders WS-Discovery, Hikvision SADP, Dahua DHIP, SSDP and
mDNS. Personas (``personas/*.yaml``) say which ports a device opens and how every protocol
answers; ``extends:`` lets OEM labels start from their maker's persona.

Binding, and why: Linux routes all of 127.0.0.0/8 to loopback, so every device gets its own
address and the lab binds one socket per (device address, port) - there is no unprivileged way
for one listening socket to accept for a whole block (IP_FREEBIND/IP_TRANSPARENT still bind one
address, TPROXY needs root and firewall rules), and the lab never binds a wildcard address (no
0.0.0.0, no multicast group on 127/8: UDP responders answer unicast requests sent to the device's
own address). A 5,000-device estate with every protocol needs about 24,000 sockets, more than
one process may open here (``ulimit -n`` 20,000, hard limit included), so
:func:`run_forever` raises the soft limit as far as needed (:mod:`~.limits`) and, when one
process still cannot hold the fleet, serves it from several worker processes, each with its own
limit (:mod:`~.shards`; measured: 5,000 devices, 2 workers, bound in ~1.3 s, ~425 MB peak RSS in
total). :class:`LabThread` and :class:`LabServer` stay single-process.

It imports nothing from ``camaudit.identify`` or ``camaudit.kb``: it must stay independent of the
identification engine, or tests against it would prove nothing.
"""

from camaudit.lab.base import LabSettings
from camaudit.lab.fleet import Fleet, LabDevice, build_fleet, detect_port_offset
from camaudit.lab.persona import Persona, load_personas
from camaudit.lab.runner import LabServer, LabThread, RunningLab, run_forever
from camaudit.lab.shards import ShardedLab

__all__ = [
    "Fleet",
    "LabDevice",
    "LabServer",
    "LabSettings",
    "LabThread",
    "Persona",
    "RunningLab",
    "ShardedLab",
    "build_fleet",
    "detect_port_offset",
    "load_personas",
    "run_forever",
]
