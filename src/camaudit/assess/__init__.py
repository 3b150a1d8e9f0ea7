"""Assessment: policy packs, known CVEs and exposure checks over devices → findings, risk, plan.

``assess(devices, evidence_of=..., sensitivity_of=..., packs=None)`` returns an
:class:`Assessment` (per-device findings and risk score, and a remediation plan);
``diff(devices_a, devices_b)`` compares two audits. Both are pure: no database, no network.
Policy packs are data (``camaudit/policy/packs``); CVEs, vendor clouds and unit costs are
``kb/cves.yaml``, ``kb/clouds.yaml`` and ``kb/costs.yaml``.
"""

from camaudit.assess.clouds import CloudsData, load_clouds
from camaudit.assess.cves import CveCatalogue, CveMatch, CveStatus, load_cves
from camaudit.assess.diff import AuditDiff, ChangeKind, DeviceChange, FieldChange, Replacement, diff
from camaudit.assess.engine import Assessment, assess, assess_device
from camaudit.assess.findings import (
    CVE_POLICY,
    EXPOSURE_POLICY,
    IDENTIFICATION_POLICY,
    AssessedFinding,
    FindingKind,
)
from camaudit.assess.plan import (
    Action,
    ActionKind,
    CostEstimate,
    CostLine,
    CostTable,
    RemediationPlan,
    load_costs,
    load_costs_from,
)
from camaudit.assess.results import DeviceAssessment
from camaudit.assess.risk import RiskScore, risk_score
from camaudit.policy import (
    FirmwareScheme,
    FirmwareVersion,
    PolicyPack,
    load_packs,
    parse_firmware,
    shipped_pack_ids,
)

__all__ = [
    "CVE_POLICY",
    "EXPOSURE_POLICY",
    "IDENTIFICATION_POLICY",
    "Action",
    "ActionKind",
    "AssessedFinding",
    "Assessment",
    "AuditDiff",
    "ChangeKind",
    "CloudsData",
    "CostEstimate",
    "CostLine",
    "CostTable",
    "CveCatalogue",
    "CveMatch",
    "CveStatus",
    "DeviceAssessment",
    "DeviceChange",
    "FieldChange",
    "FindingKind",
    "FirmwareScheme",
    "FirmwareVersion",
    "PolicyPack",
    "RemediationPlan",
    "Replacement",
    "RiskScore",
    "assess",
    "assess_device",
    "diff",
    "load_clouds",
    "load_costs",
    "load_costs_from",
    "load_cves",
    "load_packs",
    "parse_firmware",
    "risk_score",
    "shipped_pack_ids",
]
