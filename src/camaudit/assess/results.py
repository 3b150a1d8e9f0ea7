"""The assessment of one device: its findings, risk score and parsed firmware."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from camaudit.assess.findings import AssessedFinding, FindingKind
from camaudit.assess.risk import RiskScore
from camaudit.models import Device, Finding, Sensitivity
from camaudit.policy.firmware import FirmwareVersion


@dataclass(frozen=True, slots=True)
class DeviceAssessment:
    """Findings (most severe first), risk score and firmware reading of one device."""

    device: Device
    sensitivity: Sensitivity
    findings: tuple[AssessedFinding, ...]
    risk: RiskScore
    firmware: FirmwareVersion | None

    @property
    def key(self) -> str:
        return self.device.key

    @property
    def breaches(self) -> tuple[AssessedFinding, ...]:
        return tuple(f for f in self.findings if f.kind is FindingKind.BREACH)

    def store_findings(self) -> list[Finding]:
        """The findings as the store keeps them."""
        return [f.to_finding() for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device.key,
            "ip": self.device.ip,
            "site": self.device.site,
            "sensitivity": self.sensitivity.value,
            "manufacturer": self.device.identity.manufacturer,
            "brand": self.device.identity.brand,
            "model": self.device.identity.model,
            "device_type": self.device.identity.device_type.value,
            "firmware": self.device.identity.firmware,
            "firmware_parsed": self.firmware.describe() if self.firmware else None,
            "risk": self.risk.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }
