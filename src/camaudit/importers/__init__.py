"""Importers: evidence from the files organisations already have.

Each importer is a pure streaming reader: ``read(path)`` yields
:class:`~camaudit.models.Evidence` one at a time (nothing is stored here) and raises
:class:`~camaudit.errors.EvidenceFormatError` naming the line or record and why at the first bad
input. The caller makes an import atomic (one audit, all or nothing).

Every evidence's ``source`` reads ``import:<format> <file>:<line, record or packet> [detail]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from camaudit.importers.arp import ArpImporter
from camaudit.importers.censys import CensysImporter
from camaudit.importers.detect import detect_format
from camaudit.importers.dhcp_leases import DhcpLeasesImporter
from camaudit.importers.masscan import MasscanImporter
from camaudit.importers.nmap_xml import NmapImporter
from camaudit.importers.pcap import PcapImporter
from camaudit.importers.register import RegisterImporter
from camaudit.importers.shodan import ShodanImporter
from camaudit.importers.zgrab2 import Zgrab2Importer
from camaudit.models import Evidence


class Importer(Protocol):
    """A reader of one file format."""

    name: str
    description: str

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence in ``path``; raise EvidenceFormatError on bad input."""
        ...


REGISTRY: dict[str, Importer] = {
    importer.name: importer
    for importer in (
        NmapImporter(),
        MasscanImporter(),
        Zgrab2Importer(),
        ShodanImporter(),
        CensysImporter(),
        RegisterImporter(),
        PcapImporter(),
        DhcpLeasesImporter(),
        ArpImporter(),
    )
}

__all__ = [
    "REGISTRY",
    "ArpImporter",
    "CensysImporter",
    "DhcpLeasesImporter",
    "Importer",
    "MasscanImporter",
    "NmapImporter",
    "PcapImporter",
    "RegisterImporter",
    "ShodanImporter",
    "Zgrab2Importer",
    "detect_format",
]
