"""The emulated CCTV lab: personas as data, a deterministic fleet on 127.x.y.z addresses (or on
a private network inside namespaces of its own), asyncio servers for every device, and hostile
devices that misbehave on purpose. Full guide: docs/lab.md.

Protocols: HTTP and HTTPS (the persona's web app; vendor-style certificates built on first use),
RTSP, ONVIF (inside the web server under ``/onvif/`` or on a port of its own), FTP and telnet
greetings, and the UDP discovery responders WS-Discovery, Hikvision SADP, Dahua DHIP, SSDP and
mDNS. Personas (``personas/*.yaml``) say which ports a device opens and how every protocol
answers; ``extends:`` lets OEM labels start from their maker's persona. A new protocol is a module
with ``async def start(ctx) -> Service`` registered in :mod:`~.services`; a new persona is a YAML
file (see docs/lab.md, "Adding a persona").

Hostile personas (``personas/hostile-*.yaml``; :mod:`~.hostile`, :mod:`~.hostile_spec`): tarpit,
slow drip (1 byte/s), endless body, 10 MB of headers and a header line that never ends, XXE (to
``file:///etc/passwd`` and to a canary URL on the device's own address, counted in
``LabResources.events``), billion laughs, quadratic blowup, deep nesting, malformed XML, handshake
garbage, aborted handshakes, absurd certificates, RST on connect, the wrong protocol on a port,
and bounded UDP reply floods (at most 1,000 datagrams per probe, rate-limited, loopback sources
only). Their ground truth has ``"manufacturer": null``. They are never in the default rotation:
fleets get them from a ``mix`` (``fleets/hostile.yaml``: one of each; ``fleets/bench-1024.yaml``:
1,024 devices with ~5% hostile).

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

Namespace mode (root, Linux; :class:`NetnsLab`, ``camaudit lab run --netns``): a bridge in a hub
namespace, device namespaces and a scanner namespace joined to it by veth pairs, device addresses
from 10.231.0.0/16 configured only inside them, so multicast and broadcast discovery run for
real; the scanner runs in its namespace (:meth:`NetnsLab.run_in_scanner`,
:meth:`NetnsLab.call_in_scanner`). Everything is deleted on exit, exceptions, Ctrl-C and SIGTERM.

It imports nothing from ``camaudit.identify`` or ``camaudit.kb``: it must stay independent of the
identification engine, or tests against it would prove nothing.
"""

from camaudit.lab.base import LabSettings
from camaudit.lab.fleet import Fleet, LabDevice, build_fleet, detect_port_offset
from camaudit.lab.netns import NetnsLab, run_netns
from camaudit.lab.persona import Persona, load_personas
from camaudit.lab.runner import LabServer, LabThread, RunningLab, run_forever
from camaudit.lab.shards import ShardedLab

__all__ = [
    "Fleet",
    "LabDevice",
    "LabServer",
    "LabSettings",
    "LabThread",
    "NetnsLab",
    "Persona",
    "RunningLab",
    "ShardedLab",
    "build_fleet",
    "detect_port_offset",
    "load_personas",
    "run_forever",
    "run_netns",
]
