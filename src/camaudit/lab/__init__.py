"""The emulated CCTV lab: personas as data, a deterministic fleet on 127.x.y.z addresses, and one
asyncio process serving every device (one module per protocol).

It imports nothing from ``camaudit.identify`` or ``camaudit.kb``: it must stay independent of the
identification engine, or tests against it would prove nothing.
"""

from camaudit.lab.base import LabSettings
from camaudit.lab.fleet import Fleet, LabDevice, build_fleet, detect_port_offset
from camaudit.lab.persona import Persona, load_personas
from camaudit.lab.runner import LabServer, LabThread, run_forever

__all__ = [
    "Fleet",
    "LabDevice",
    "LabServer",
    "LabSettings",
    "LabThread",
    "Persona",
    "build_fleet",
    "detect_port_offset",
    "load_personas",
    "run_forever",
]
