"""Active probes, one module per protocol, behind one interface (:class:`Probe`)."""

from camaudit.probes.base import Probe, ProbeContext, ProbeResult, ProbeStatus
from camaudit.probes.http import HttpProbe

#: Probes by name (the CLI's ``--probes`` choices).
REGISTRY: dict[str, type[HttpProbe]] = {"http": HttpProbe}

__all__ = ["REGISTRY", "HttpProbe", "Probe", "ProbeContext", "ProbeResult", "ProbeStatus"]
