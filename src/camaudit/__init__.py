"""camaudit — find the Hikvision, Dahua and other restricted-vendor kit in a CCTV estate, with evidence.

The public API::

    import camaudit
    ident = camaudit.identify(camaudit.Evidence(camaudit.EvidenceKind.HTTP, raw_response_bytes))
    with camaudit.Store.open("sqlite:///audit.db") as store:
        result = camaudit.scan(["127.20.0.0/24"], store=store, org="Example Council")
        camaudit.report(store, "html", "report.html")
"""

from camaudit.api import ScanReport, identify, rebuild, report, scan
from camaudit.errors import (
    CamauditError,
    DatabaseError,
    DatabaseURLError,
    EvidenceFormatError,
    InputError,
    KnowledgeBaseError,
    LabError,
    ReportError,
    ScopeError,
)
from camaudit.identify import Identifier
from camaudit.models import (
    Audit,
    Device,
    DeviceType,
    Evidence,
    EvidenceKind,
    EvidenceRef,
    Finding,
    Identity,
    Restriction,
    Sensitivity,
    Severity,
)
from camaudit.net.scope import Scope
from camaudit.scan import ScanOptions
from camaudit.store import Store

__version__ = "0.1.0"

__all__ = [
    "Audit",
    "CamauditError",
    "DatabaseError",
    "DatabaseURLError",
    "Device",
    "DeviceType",
    "Evidence",
    "EvidenceFormatError",
    "EvidenceKind",
    "EvidenceRef",
    "Finding",
    "Identifier",
    "Identity",
    "InputError",
    "KnowledgeBaseError",
    "LabError",
    "ReportError",
    "Restriction",
    "ScanOptions",
    "ScanReport",
    "Scope",
    "ScopeError",
    "Sensitivity",
    "Severity",
    "Store",
    "__version__",
    "identify",
    "rebuild",
    "report",
    "scan",
]
