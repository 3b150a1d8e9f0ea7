"""``assess``: policy packs, CVEs and exposure checks over devices → findings, risk, plan.

Pure: the caller supplies each device's evidence and site sensitivity through callables; no
database and no network is touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from camaudit.assess.clouds import CloudsData, load_clouds
from camaudit.assess.cves import CveCatalogue, CveMatch, CveStatus, load_cves, match_device
from camaudit.assess.exposure import exposure_findings
from camaudit.assess.findings import (
    CVE_POLICY,
    IDENTIFICATION_POLICY,
    AssessedFinding,
    FindingKind,
    at_least,
    lower,
)
from camaudit.assess.plan import CostTable, RemediationPlan, build_plan, load_costs
from camaudit.assess.results import DeviceAssessment
from camaudit.assess.risk import risk_score
from camaudit.kb import KnowledgeBase, load_kb
from camaudit.models import Device, Evidence, Finding, Sensitivity, Severity
from camaudit.policy.engine import DeviceView, PolicyHit, PolicyPack, evaluate
from camaudit.policy.packs import load_packs

_KIND_OF_RULE = {
    "breach": FindingKind.BREACH,
    "review": FindingKind.REVIEW,
    "info": FindingKind.INFO,
}


@dataclass(frozen=True, slots=True)
class Assessment:
    """Per-device findings and risk, the packs applied, and the remediation plan."""

    devices: tuple[DeviceAssessment, ...]
    packs: tuple[PolicyPack, ...]
    plan: RemediationPlan

    @property
    def findings(self) -> list[AssessedFinding]:
        return [f for d in self.devices for f in d.findings]

    def of(self, key: str) -> DeviceAssessment:
        """The assessment of the device with ``key`` (KeyError if absent)."""
        for d in self.devices:
            if d.key == key:
                return d
        raise KeyError(key)

    def store_findings(self) -> dict[str, list[Finding]]:
        """Findings per device key, as the store keeps them (``Store.replace_findings``)."""
        return {d.key: d.store_findings() for d in self.devices}

    def summary(self) -> dict[str, Any]:
        """Counts for a report header: findings by severity and policy, devices by risk band."""
        findings = self.findings
        return {
            "devices": len(self.devices),
            "findings": len(findings),
            "by_severity": dict(Counter(f.severity.value for f in findings)),
            "breaches_by_policy": dict(
                Counter(f.policy for f in findings if f.kind is FindingKind.BREACH)
            ),
            "devices_in_breach": sum(1 for d in self.devices if d.breaches),
            "kev_devices": sum(1 for d in self.devices if any(f.kev for f in d.findings)),
            "risk_bands": dict(Counter(d.risk.band for d in self.devices)),
            "replacement_now": self.plan.replacement_now,
            "replacement_planned": self.plan.replacement_planned,
            "currency": self.plan.currency,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "packs": [
                {
                    "id": p.id,
                    "title": p.title,
                    "legal_basis": p.legal_basis.citation,
                    "jurisdiction": p.spec.jurisdiction,
                }
                for p in self.packs
            ],
            "summary": self.summary(),
            "devices": [d.to_dict() for d in self.devices],
            "plan": self.plan.to_dict(),
        }


def _identity_evidence(view: DeviceView, fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(r.sha256 for r in view.identity.evidence if r.field in fields and r.sha256)
    )


def _policy_finding(view: DeviceView, hit: PolicyHit) -> AssessedFinding:
    spec = hit.rule.spec
    return AssessedFinding(
        view.key,
        hit.pack.id,
        spec.id,
        _KIND_OF_RULE[spec.kind],
        hit.severity,
        hit.title,
        hit.detail,
        hit.remediation,
        legal_basis=hit.pack.legal_basis.citation,
        evidence=_identity_evidence(view, ("manufacturer", "brand", "model")),
    )


def _cve_finding(view: DeviceView, match: CveMatch) -> AssessedFinding:
    cve = match.cve
    severity = cve.base_severity
    if cve.kev is not None:
        severity = at_least(severity, Severity.HIGH)
    possible = match.status is CveStatus.POSSIBLE
    if possible:
        severity = lower(severity)
    kev = " (CISA KEV)" if cve.kev else ""
    title = f"{cve.id}{kev}: {cve.title}" + (" (possibly affected)" if possible else "")
    kev_note = f" Listed in CISA KEV since {cve.kev.date_added.isoformat()}." if cve.kev else ""
    cvss = f" CVSS {cve.cvss}." if cve.cvss is not None else ""
    detail = (
        f"{'Possibly affected' if possible else 'Affected'}: {match.reason}. "
        f"Fixed in: {cve.fixed}.{cvss}{kev_note} Source: {cve.source}"
    )
    return AssessedFinding(
        view.key,
        CVE_POLICY,
        cve.id,
        FindingKind.VULNERABILITY,
        severity,
        title,
        detail,
        cve.remediation,
        cve=cve.id,
        kev=cve.kev is not None,
        kev_date_added=cve.kev.date_added.isoformat() if cve.kev else None,
        evidence=_identity_evidence(view, ("firmware", "model")),
    )


def _identification_findings(
    view: DeviceView, matches: list[CveMatch], catalogue: CveCatalogue
) -> list[AssessedFinding]:
    out: list[AssessedFinding] = []
    ident = view.identity
    if ident.manufacturer is None:
        seen = "; ".join(ident.notes[:3]) or "no rule matched its evidence"
        label = f" It carries the label {ident.brand}." if ident.brand else ""
        out.append(
            AssessedFinding(
                view.key,
                IDENTIFICATION_POLICY,
                "identification.unidentified",
                FindingKind.INFO,
                Severity.INFO,
                "Unidentified device: maker unknown",
                f"No evidence names the maker, so no policy can be applied.{label} "
                f"What was seen: {seen}.",
                "Identify it from the asset register, its model plate or a credentialed scan.",
            )
        )
        return out
    unchecked = [m.cve.id for m in matches if m.status is CveStatus.UNKNOWN]
    if not catalogue.for_vendor(ident.manufacturer) or not unchecked:
        return out
    if view.firmware is None:
        what = (
            f"firmware {ident.firmware!r} is not a version camaudit can read"
            if ident.firmware
            else "no evidence gave the firmware version"
        )
        title = "Firmware version unknown: no CVE claimed"
    else:
        what = (
            f"firmware {ident.firmware!r} lacks what the affected ranges need (e.g. a build date)"
        )
        title = "Firmware not fully known: some CVEs not checked"
    out.append(
        AssessedFinding(
            view.key,
            IDENTIFICATION_POLICY,
            "identification.firmware-unknown",
            FindingKind.INFO,
            Severity.INFO,
            title,
            f"{what}; could not check {', '.join(unchecked)}.",
            "Read the firmware version from the device (web UI, credentialed scan) and rerun.",
            evidence=_identity_evidence(view, ("firmware",)),
        )
    )
    return out


def _resolve_packs(
    packs: Sequence[str | PolicyPack] | None, kb: KnowledgeBase
) -> tuple[PolicyPack, ...]:
    if packs is None:
        return tuple(load_packs(None, kb))
    names = [p for p in packs if isinstance(p, str)]
    loaded = iter(load_packs(names, kb) if names else [])
    return tuple(p if isinstance(p, PolicyPack) else next(loaded) for p in packs)


def assess_device(
    device: Device,
    evidence: Sequence[Evidence],
    sensitivity: Sensitivity,
    packs: Sequence[PolicyPack],
    *,
    kb: KnowledgeBase,
    cves: CveCatalogue,
    clouds: CloudsData,
) -> DeviceAssessment:
    """Findings and risk for one device."""
    view = DeviceView.build(device.key, device.identity, sensitivity, kb)
    findings: list[AssessedFinding] = []
    for pack in packs:
        findings.extend(_policy_finding(view, hit) for hit in evaluate(pack, view))
    matches = match_device(cves, view)
    findings.extend(
        _cve_finding(view, m)
        for m in matches
        if m.status in (CveStatus.AFFECTED, CveStatus.POSSIBLE)
    )
    findings.extend(exposure_findings(device.key, evidence, clouds))
    findings.extend(_identification_findings(view, matches, cves))
    findings.sort(key=lambda f: (-f.severity.rank, f.policy, f.rule))
    return DeviceAssessment(
        device, sensitivity, tuple(findings), risk_score(findings, sensitivity), view.firmware
    )


def assess(
    devices: Sequence[Device],
    *,
    evidence_of: Callable[[Device], Sequence[Evidence]],
    sensitivity_of: Callable[[Device], Sensitivity],
    packs: Sequence[str | PolicyPack] | None = None,
    kb: KnowledgeBase | None = None,
    cves: CveCatalogue | None = None,
    clouds: CloudsData | None = None,
    costs: CostTable | None = None,
) -> Assessment:
    """Assess ``devices`` against policy packs (shipped ids, pack files, or loaded packs; ``None``
    = every shipped pack), known CVEs and exposure evidence; build the remediation plan.

    Raises :class:`camaudit.errors.InputError` for an unknown pack or a bad pack file.
    """
    kb = kb or load_kb()
    chosen = _resolve_packs(packs, kb)
    catalogue = cves or load_cves()
    cloud_data = clouds or load_clouds()
    results = tuple(
        assess_device(
            d,
            evidence_of(d),
            sensitivity_of(d),
            chosen,
            kb=kb,
            cves=catalogue,
            clouds=cloud_data,
        )
        for d in devices
    )
    return Assessment(results, chosen, build_plan(results, costs or load_costs()))
