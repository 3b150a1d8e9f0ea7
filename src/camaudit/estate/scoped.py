"""The estate as one caller may see it: the ONE place where every read and every action is
filtered by the caller's organisations and role.

An object of an organisation the caller has no role in is "not found" (:class:`NotFoundError`),
exactly as if it did not exist; an organisation where the caller's role does not allow an action
gives :class:`AccessDenied`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from camaudit import api
from camaudit.accounts import Capability, Principal
from camaudit.accounts import activity as activity_log
from camaudit.accounts.activity import ActivityEntry
from camaudit.assess import AuditDiff
from camaudit.assess.plan import Action
from camaudit.assess.results import DeviceAssessment
from camaudit.errors import AccessDenied, InputError, NotFoundError
from camaudit.estate import queries
from camaudit.estate import scopes as scope_store
from camaudit.estate.filters import DeviceFilter, family
from camaudit.estate.queries import EvidenceInfo, HistoryEntry, OrgRef
from camaudit.estate.scopes import ScanScope
from camaudit.models import Audit, Device, Finding, Severity
from camaudit.probes.base import ProbeResult
from camaudit.reports.context import DeviceEntry
from camaudit.reports.summary import Summary, summarise
from camaudit.store import Store


@dataclass(slots=True)
class DeviceDetail:
    """A device page: identity, findings, evidence (metadata), history, risk and plan."""

    entry: DeviceEntry
    evidence: list[EvidenceInfo]
    history: list[HistoryEntry]
    assessment: DeviceAssessment | None
    actions: list[Action]
    evidence_visible: bool

    @property
    def device(self) -> Device:
        return self.entry.device

    @property
    def evidence_ids(self) -> dict[str, int]:
        """Stored evidence id by SHA-256 (to follow the evidence chain to the bytes)."""
        return {e.sha256: e.id for e in self.evidence}


@dataclass(slots=True)
class PolicyGroup:
    """Findings of one policy: counts by severity, and the devices when the caller may see them."""

    policy: str
    by_severity: dict[Severity, int] = field(default_factory=dict)
    devices: list[tuple[int, str, str, Finding]] = field(default_factory=list)  # id, org, ip

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


class ScopedEstate:
    """Reads and actions on the store on behalf of ``principal``."""

    def __init__(self, store: Store, principal: Principal) -> None:
        self.store = store
        self.principal = principal

    # -- the checks -------------------------------------------------------------------------

    def visible(self, cap: Capability) -> frozenset[str]:
        """Organisations where the caller has ``cap``."""
        return self.principal.orgs(cap)

    def require(self, org: str, cap: Capability, what: str = "object") -> None:
        """Not found unless the caller has a role in ``org``; denied unless it allows ``cap``."""
        if not self.principal.member_of(org):
            raise NotFoundError(f"no such {what}")
        if not self.principal.can(org, cap):
            raise AccessDenied(f"your role in {org} does not allow this ({cap.value})")

    def orgs(self, cap: Capability = Capability.AGGREGATES) -> list[OrgRef]:
        return queries.org_refs(self.store, self.visible(cap))

    def org(self, org_id: int, cap: Capability = Capability.AGGREGATES) -> OrgRef:
        for ref in queries.org_refs(self.store, {m.org for m in self.principal.memberships}):
            if ref.id == org_id:
                self.require(ref.name, cap, "organisation")
                return ref
        raise NotFoundError("no such organisation")

    def log(
        self, action: str, *, org: str | None = None, target: str = "", detail: str = ""
    ) -> None:
        activity_log.record(
            self.store, self.principal.username, action, org=org, target=target, detail=detail
        )

    # -- aggregates ---------------------------------------------------------------------------

    def _entries(self, orgs: frozenset[str], flt: DeviceFilter | None = None) -> list[DeviceEntry]:
        flt = flt or DeviceFilter()
        if flt.org:
            orgs = orgs & {flt.org}
        devices = queries.devices_in(
            self.store, orgs, restricted=flt.restricted, seen_since=flt.seen_since_dt
        )
        found = queries.findings_by_device(self.store, [d.id for d in devices if d.id])
        entries = [DeviceEntry(d, found.get(d.id or 0, [])) for d in devices]
        return [e for e in entries if flt.matches(e)]

    def summary(self, org: str | None = None) -> Summary:
        """Counts by maker, site, restriction and severity over the caller's organisations."""
        orgs = self.visible(Capability.AGGREGATES)
        if org is not None:
            self.require(org, Capability.AGGREGATES, "organisation")
            orgs = frozenset({org})
        entries = self._entries(orgs)
        return summarise([e.device for e in entries], [f for e in entries for f in e.findings])

    def families(self, org: str | None = None) -> list[tuple[str, int, int]]:
        """``(family, devices, restricted devices)``, largest first."""
        orgs = self.visible(Capability.AGGREGATES)
        if org is not None:
            self.require(org, Capability.AGGREGATES, "organisation")
            orgs = frozenset({org})
        counts: dict[str, list[int]] = {}
        for e in self._entries(orgs):
            c = counts.setdefault(family(e.device), [0, 0])
            c[0] += 1
            c[1] += int(e.restricted)
        return sorted(((f, n, r) for f, (n, r) in counts.items()), key=lambda t: (-t[1], t[0]))

    def findings_by_policy(self, org: str | None = None) -> list[PolicyGroup]:
        orgs = self.visible(Capability.AGGREGATES)
        if org is not None:
            self.require(org, Capability.AGGREGATES, "organisation")
            orgs = frozenset({org})
        detailed = self.visible(Capability.DEVICES)
        groups: dict[str, PolicyGroup] = {}
        for e in self._entries(orgs):
            for f in e.findings:
                g = groups.setdefault(f.policy, PolicyGroup(f.policy))
                g.by_severity[f.severity] = g.by_severity.get(f.severity, 0) + 1
                if e.device.organisation in detailed and e.device.id is not None:
                    g.devices.append((e.device.id, e.device.organisation, e.device.ip or "", f))
        for g in groups.values():
            g.devices.sort(key=lambda t: (-t[3].severity.rank, t[0]))
        return sorted(groups.values(), key=lambda g: (-g.total, g.policy))

    # -- devices and evidence -------------------------------------------------------------------

    def devices(self, flt: DeviceFilter | None = None) -> list[DeviceEntry]:
        return self._entries(self.visible(Capability.DEVICES), flt)

    def facets(self) -> dict[str, list[str]]:
        """Values to offer in the device filters (from the caller's own devices only)."""
        entries = self._entries(self.visible(Capability.DEVICES))
        return {
            "org": sorted({e.device.organisation for e in entries}),
            "site": sorted({e.device.site or "unknown" for e in entries}),
            "maker": sorted({e.maker for e in entries}),
            "family": sorted({family(e.device) for e in entries}),
            "policy": sorted({p for e in entries for p in e.policies}),
        }

    def device(self, device_id: int) -> Device:
        d = queries.device_by_id(self.store, device_id)
        if d is None:
            raise NotFoundError("no such device")
        self.require(d.organisation, Capability.DEVICES, "device")
        return d

    def device_detail(self, device_id: int) -> DeviceDetail:
        from camaudit.assess import assess

        d = self.device(device_id)
        findings = queries.findings_by_device(self.store, [device_id]).get(device_id, [])
        infos = queries.device_evidence_infos(self.store, device_id)
        evidence_ok = self.principal.can(d.organisation, Capability.EVIDENCE)
        result = assess(
            [d],
            evidence_of=lambda dev: [ev for _, ev in self.store.device_evidence(dev.id or 0)],
            sensitivity_of=lambda dev: self.store.site_sensitivity(dev.organisation, dev.site),
        )
        da = result.devices[0] if result.devices else None
        actions = [a for a in result.plan.actions if d.key in a.devices]
        return DeviceDetail(
            DeviceEntry(d, findings),
            infos,
            queries.device_history(self.store, device_id),
            da,
            actions,
            evidence_ok,
        )

    def evidence(self, evidence_id: int) -> tuple[EvidenceInfo, bytes]:
        """One observation and its raw bytes (needs the evidence capability)."""
        found = queries.evidence_by_id(self.store, evidence_id)
        if found is None:
            raise NotFoundError("no such evidence")
        self.require(found[0].org, Capability.EVIDENCE, "evidence")
        return found

    def evidence_devices(self, evidence_id: int) -> list[Device]:
        self.evidence(evidence_id)
        ids = queries.devices_citing(self.store, evidence_id)
        return [d for d in (queries.device_by_id(self.store, i) for i in ids) if d is not None]

    # -- audits, diff, reports ------------------------------------------------------------------

    def audits(self) -> list[Audit]:
        orgs = self.visible(Capability.DEVICES)
        return [a for a in self.store.audits() if a.organisation in orgs]

    def audit(self, audit_id: int) -> Audit:
        a = queries.audit_by_id(self.store, audit_id)
        if a is None:
            raise NotFoundError("no such audit")
        self.require(a.organisation, Capability.DEVICES, "audit")
        return a

    def audit_evidence_count(self, audit_id: int) -> int:
        self.audit(audit_id)
        return queries.audit_evidence_count(self.store, audit_id)

    def diff(self, audit_a: int, audit_b: int) -> AuditDiff:
        self.audit(audit_a)
        self.audit(audit_b)
        return api.diff_audits(self.store, audit_a, audit_b)

    def report(self, org_id: int, fmt: str, path: Path) -> Path:
        org = self.org(org_id, Capability.DEVICES)
        out = api.report(self.store, fmt, path, org.name)
        self.log("report.download", org=org.name, target=fmt)
        return out

    # -- imports and scans ----------------------------------------------------------------------

    def import_file(
        self,
        org_id: int,
        fmt: str,
        path: Path,
        *,
        site: str | None = None,
        filename: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> api.ImportReport:
        """Import a file for an organisation where the caller may operate, then assess it."""
        org = self.org(org_id, Capability.OPERATE)
        result = api.import_file(
            fmt, path, store=self.store, org=org.name, site=site or None, progress=progress
        )
        api.assess_store(self.store, org=org.name)
        self.log(
            "import",
            org=org.name,
            target=f"audit {result.audit.id}",
            detail=f"{fmt} {filename}: {result.records} records, {len(result.devices)} devices",
        )
        return result

    def scopes(self, org_id: int | None = None) -> list[ScanScope]:
        orgs = self.visible(Capability.OPERATE)
        if org_id is not None:
            orgs = frozenset({self.org(org_id, Capability.OPERATE).name})
        return scope_store.scopes(self.store, sorted(orgs))

    def scope(self, scope_id: int, cap: Capability = Capability.OPERATE) -> ScanScope:
        sc = scope_store.scope_by_id(self.store, scope_id)
        if sc is None:
            raise NotFoundError("no such scope")
        self.require(sc.org, cap, "scope")
        return sc

    def add_scope(
        self,
        org_id: int,
        name: str,
        targets: list[str],
        exclude: list[str],
        *,
        site: str | None = None,
        port_offset: int = 0,
    ) -> ScanScope:
        org = self.org(org_id, Capability.ADMIN)
        sc = scope_store.add_scope(
            self.store, org.name, name, targets, exclude, site=site, port_offset=port_offset
        )
        self.log("scope.add", org=org.name, target=name, detail=" ".join(targets))
        return sc

    def delete_scope(self, scope_id: int) -> None:
        sc = self.scope(scope_id, Capability.ADMIN)
        scope_store.delete_scope(self.store, scope_id)
        self.log("scope.delete", org=sc.org, target=sc.name)

    def scan(
        self,
        scope_id: int,
        *,
        on_plan: Callable[[int, int], None] | None = None,
        on_result: Callable[[ProbeResult], None] | None = None,
    ) -> api.ScanReport:
        """Scan one of the admin-set scopes (nothing else can be scanned from here)."""
        from camaudit.scan import ScanOptions

        sc = self.scope(scope_id, Capability.OPERATE)
        opts = sc.options
        options = ScanOptions(
            concurrency=int(opts.get("concurrency", 256)),
            rate=float(opts.get("rate", 0)),
            timeout=float(opts.get("timeout", 2.0)),
        )
        self.log("scan.start", org=sc.org, target=sc.name, detail=" ".join(sc.targets))
        result = api.scan(
            list(sc.targets),
            store=self.store,
            exclude=list(sc.exclude),
            port_offset=sc.port_offset,
            options=options,
            org=sc.org,
            site=sc.site,
            on_plan=on_plan,
            on_result=on_result,
        )
        api.assess_store(self.store, org=sc.org)
        self.log(
            "scan.done",
            org=sc.org,
            target=f"audit {result.audit.id}",
            detail=f"{len(result.devices)} devices",
        )
        return result

    # -- administration -------------------------------------------------------------------------

    def members(self, org_id: int) -> list[tuple[str, bool, str, bool]]:
        """``(username, disabled, role, evidence granted)`` of an organisation (admins only)."""
        from camaudit.accounts import users

        org = self.org(org_id, Capability.ADMIN)
        out = []
        for u in users(self.store, org.name):
            for m in u.memberships:
                if m.org == org.name:
                    out.append((u.username, u.disabled, m.role.value, m.evidence_granted))
        return out

    def set_member(
        self, org_id: int, username: str, role: str, *, evidence_granted: bool = False
    ) -> None:
        from camaudit.accounts import grant, parse_role

        org = self.org(org_id, Capability.ADMIN)
        try:
            parsed = parse_role(role)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        grant(self.store, username, org.name, parsed, evidence_granted=evidence_granted)
        self.log("member.set", org=org.name, target=username, detail=parsed.value)

    def remove_member(self, org_id: int, username: str) -> None:
        from camaudit.accounts import revoke

        org = self.org(org_id, Capability.ADMIN)
        if username == self.principal.username:
            raise InputError("you cannot remove your own role")
        revoke(self.store, username, org.name)
        self.log("member.remove", org=org.name, target=username)

    def activity(self, org_id: int | None = None) -> list[ActivityEntry]:
        orgs = self.visible(Capability.ADMIN)
        if org_id is not None:
            orgs = frozenset({self.org(org_id, Capability.ADMIN).name})
        return activity_log.entries(self.store, orgs, username=self.principal.username)
