"""Active probes, one module per protocol, behind one interface (:class:`Probe`)."""

from camaudit.probes.banner import BannerProbe
from camaudit.probes.base import Probe, ProbeContext, ProbeResult, ProbeStatus
from camaudit.probes.dahua_http import DahuaHttpProbe
from camaudit.probes.dhip import DhipProbe
from camaudit.probes.http import HttpProbe, HttpsProbe
from camaudit.probes.isapi import IsapiProbe
from camaudit.probes.mdns import MdnsProbe
from camaudit.probes.onvif import OnvifProbe
from camaudit.probes.rtsp import RtspProbe
from camaudit.probes.sadp import SadpProbe
from camaudit.probes.ssdp import SsdpProbe
from camaudit.probes.tcp import TcpProbe
from camaudit.probes.tls import TlsProbe
from camaudit.probes.wsd import WsdProbe

#: Probes by name (the CLI's ``--probes`` choices).
REGISTRY: dict[str, type[Probe]] = {
    "tcp": TcpProbe,
    "http": HttpProbe,
    "https": HttpsProbe,
    "tls": TlsProbe,
    "rtsp": RtspProbe,
    "onvif": OnvifProbe,
    "wsd": WsdProbe,
    "sadp": SadpProbe,
    "dhip": DhipProbe,
    "ssdp": SsdpProbe,
    "mdns": MdnsProbe,
    "banner": BannerProbe,
    "isapi": IsapiProbe,
    "dahua_http": DahuaHttpProbe,
}
#: Probes that speak UDP (one datagram socket per run; no TCP port sweep applies to them).
UDP_PROBES: frozenset[str] = frozenset({"wsd", "sadp", "dhip", "ssdp", "mdns"})
#: Probes that connect over TCP (a ``tcp`` sweep of their ports can skip closed ones).
TCP_PROBES: frozenset[str] = frozenset(REGISTRY) - UDP_PROBES
#: Probes that send credentials — only the user's, only for their scope; without any they skip.
CREDENTIALED_PROBES: frozenset[str] = frozenset({"onvif", "isapi", "dahua_http"})
#: A normal scan. WS-Discovery comes before ONVIF so that its XAddrs can guide it; ``tls`` is
#: covered by ``https`` (which records the certificate) and ``tcp`` is the engine's sweep.
DEFAULT_PROBES: tuple[str, ...] = (
    "wsd",
    "sadp",
    "dhip",
    "ssdp",
    "mdns",
    "http",
    "https",
    "rtsp",
    "onvif",
    "banner",
    "isapi",
    "dahua_http",
)


def sweep_ports(names: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    """Sorted union of the default ports of the named TCP probes (what a ``tcp`` sweep covers)."""
    return tuple(sorted({p for n in names if n in TCP_PROBES for p in REGISTRY[n].default_ports}))


__all__ = [
    "CREDENTIALED_PROBES",
    "DEFAULT_PROBES",
    "REGISTRY",
    "TCP_PROBES",
    "UDP_PROBES",
    "BannerProbe",
    "DahuaHttpProbe",
    "DhipProbe",
    "HttpProbe",
    "HttpsProbe",
    "IsapiProbe",
    "MdnsProbe",
    "OnvifProbe",
    "Probe",
    "ProbeContext",
    "ProbeResult",
    "ProbeStatus",
    "RtspProbe",
    "SadpProbe",
    "SsdpProbe",
    "TcpProbe",
    "TlsProbe",
    "WsdProbe",
    "sweep_ports",
]
