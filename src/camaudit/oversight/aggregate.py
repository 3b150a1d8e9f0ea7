"""The survey table and the figures beyond it, recomputed from recorded responses.

Every figure carries the ids of the responses behind it (``responses``), so a reader can trace
it. Populations are summed only where known; each total says how many bodies had none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from camaudit.oversight.bodies import NOT_KNOWN, Body
from camaudit.oversight.types import NOT_NAMED, InfoRequest, Recipient, Response, ResponseStatus
from camaudit.oversight.workdays import HOLIDAY_CAVEAT, Deadline, foi_deadline

PER = 100_000


@dataclass(slots=True)
class StatusLine:
    """One line of the survey table."""

    status: ResponseStatus
    bodies: int = 0
    named: int = 0
    population: int = 0
    population_missing: int = 0
    vintages: set[str] = field(default_factory=set)
    responses: list[int] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)

    @property
    def population_text(self) -> str:
        if self.bodies and self.population_missing == self.bodies:
            return NOT_KNOWN
        more = f" + {self.population_missing} not known" if self.population_missing else ""
        return f"{self.population:,}{more}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "label": self.status.label,
            "bodies": self.bodies,
            "named": self.named,
            "not_named": self.bodies - self.named - len(self.derived),
            "population_covered": self.population,
            "population_missing": self.population_missing,
            "population_vintages": sorted(self.vintages),
            "responses": self.responses,
            "derived_from_deadline": self.derived,
        }


@dataclass(frozen=True, slots=True)
class Flag:
    """A gap between what a body answered and the evidence it submitted."""

    response: int
    body: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "response": self.response,
            "body": self.body,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(slots=True)
class BodyFigures:
    """One body's latest response in the round, with the figures of its submitted audit."""

    body: Body | None
    response: Response
    devices: int | None = None
    restricted: int | None = None
    vendor_devices: int | None = None
    oem_restricted: int | None = None
    high_cve_devices: int | None = None
    plan_cost: float | None = None
    plan_currency: str | None = None
    by_type: dict[str, int] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.body.name if self.body else NOT_NAMED

    @property
    def has_audit(self) -> bool:
        return self.devices is not None

    @property
    def per_100k(self) -> float | None:
        pop = self.body.population if self.body else None
        if self.restricted is None or pop is None:
            return None
        return self.restricted * PER / pop.value

    @property
    def share(self) -> float | None:
        if not self.devices or self.restricted is None:
            return None
        return self.restricted / self.devices

    @property
    def oem_share(self) -> float | None:
        if not self.restricted or self.oem_restricted is None:
            return None
        return self.oem_restricted / self.restricted

    def to_dict(self) -> dict[str, Any]:
        return {
            "body": self.body.key if self.body else None,
            "name": self.name,
            "code": self.body.code if self.body else None,
            "population": self.body.population.to_dict()
            if self.body and self.body.population
            else None,
            "status": self.response.status.value,
            "response": self.response.id,
            "provenance": self.response.provenance,
            "answer_sha256": self.response.answer_sha256,
            "devices": self.devices,
            "restricted": self.restricted,
            "vendor_devices": self.vendor_devices,
            "restricted_per_100k": round(self.per_100k, 2) if self.per_100k is not None else None,
            "share_of_estate": round(self.share, 4) if self.share is not None else None,
            "oem_label_share": round(self.oem_share, 4) if self.oem_share is not None else None,
            "high_cve_devices": self.high_cve_devices,
            "replacement_cost": self.plan_cost,
            "replacement_currency": self.plan_currency,
            "reported_devices": self.response.reported_devices,
            "replacement_plan": self.response.replacement_plan,
            "flags": [f.to_dict() for f in self.flags],
        }


@dataclass(frozen=True, slots=True)
class Change:
    """A body's status or restricted count between two rounds."""

    body: str
    before: str
    after: str
    restricted_before: int | None
    restricted_after: int | None
    responses: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "status_before": self.before,
            "status_after": self.after,
            "restricted_before": self.restricted_before,
            "restricted_after": self.restricted_after,
            "responses": list(self.responses),
        }


@dataclass(slots=True)
class RoundSummary:
    """The aggregates of one survey round."""

    round: str
    requests: list[InfoRequest]
    asked: int
    statuses: list[StatusLine]
    bodies: list[BodyFigures]
    not_accounted: int
    pending: list[str]
    flags: list[Flag]
    vendor: str
    #: Bodies asked that have not answered by name: (body name, deadline) — reminders, overdue.
    open_deadlines: list[tuple[str, Deadline]] = field(default_factory=list)

    @property
    def total_responses(self) -> int:
        return sum(s.bodies for s in self.statuses)

    def audits(self) -> list[BodyFigures]:
        return [b for b in self.bodies if b.has_audit]

    def audit_totals(self) -> dict[str, Any]:
        """Totals over the bodies that submitted an audit (with the responses behind them)."""
        audits = self.audits()
        devices = sum(b.devices or 0 for b in audits)
        restricted = sum(b.restricted or 0 for b in audits)
        oem = sum(b.oem_restricted or 0 for b in audits)
        with_pop = [b for b in audits if b.body and b.body.population]
        residents = sum(b.body.population.value for b in with_pop if b.body and b.body.population)
        restricted_pop = sum(b.restricted or 0 for b in with_pop)
        costs = [b for b in audits if b.plan_cost is not None]
        currencies = sorted({b.plan_currency for b in costs if b.plan_currency})
        return {
            "bodies": len(audits),
            "devices": devices,
            "restricted": restricted,
            "share_of_estate": round(restricted / devices, 4) if devices else None,
            "oem_label_share": round(oem / restricted, 4) if restricted else None,
            "high_cve_devices": sum(b.high_cve_devices or 0 for b in audits),
            "restricted_per_100k": (
                round(restricted_pop * PER / residents, 2) if residents else None
            ),
            "per_100k_bodies": len(with_pop),
            "per_100k_population_missing": len(audits) - len(with_pop),
            "replacement_cost": sum(b.plan_cost or 0.0 for b in costs) if costs else None,
            "replacement_currency": currencies[0] if len(currencies) == 1 else None,
            "responses": [b.response.id for b in audits],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "requests": [r.to_dict() for r in self.requests],
            "asked": self.asked,
            "statuses": [s.to_dict() for s in self.statuses],
            "not_accounted": self.not_accounted,
            "pending": self.pending,
            "bodies": [b.to_dict() for b in self.bodies],
            "flags": [f.to_dict() for f in self.flags],
            "audit_totals": self.audit_totals(),
            "open_deadlines": [{"body": n, **d.to_dict()} for n, d in self.open_deadlines],
            "vendor": self.vendor,
        }


def _answer_figures(fig: BodyFigures, vendor: str) -> None:
    doc = fig.response.answer
    if not doc:
        return
    counts, restricted = doc.get("counts") or {}, doc.get("restricted") or {}
    fig.devices = int(counts.get("devices", 0))
    fig.vendor_devices = int(counts.get("made_by_vendor", 0))
    fig.restricted = int(restricted.get("devices", 0))
    fig.oem_restricted = int(restricted.get("via_oem_label", 0))
    fig.high_cve_devices = int((doc.get("cves") or {}).get("high_severity_devices", 0))
    plan = doc.get("plan") or None
    if plan:
        fig.plan_cost = float(plan.get("total", 0.0))
        fig.plan_currency = plan.get("currency")
    want = (doc.get("vendor") or vendor).casefold()
    fig.by_type = dict(
        Counter(
            d.get("device_type", "unknown")
            for d in doc.get("devices") or []
            if (d.get("manufacturer") or "").casefold() == want
        )
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s" if not word.endswith("s") else f"{n} {word}"


def _kinds(by_type: dict[str, int]) -> str:
    names = {"camera": "camera", "nvr": "recorder", "dvr": "recorder", "ptz": "PTZ camera"}
    merged: Counter[str] = Counter()
    for t, n in by_type.items():
        merged[names.get(t, "device")] += n
    return ", ".join(_plural(n, w) for w, n in merged.most_common())


def _flags(fig: BodyFigures, vendor: str) -> list[Flag]:
    r = fig.response
    out: list[Flag] = []
    if not fig.has_audit:
        return out
    doc = r.answer or {}
    v = doc.get("vendor") or vendor
    made = fig.vendor_devices or 0
    if r.status.denies and (made or fig.restricted):
        what = f"{made} {v}-made" if made else f"{fig.restricted} restricted-vendor"
        kinds = f" ({_kinds(fig.by_type)})" if made and fig.by_type else ""
        out.append(
            Flag(
                r.id,
                fig.name,
                "denial-contradicted",
                f"{r.status.label}, but its audit shows {what} devices{kinds}",
            )
        )
    if r.status is ResponseStatus.CONFIRMED and not made:
        out.append(
            Flag(
                r.id,
                fig.name,
                "confirmation-unsupported",
                f"confirmed, but its submitted audit shows no {v}-made device "
                "(kit outside the audit's scope?)",
            )
        )
    if r.reported_devices is not None and r.reported_devices != made:
        out.append(
            Flag(
                r.id,
                fig.name,
                "count-mismatch",
                f"the response states {r.reported_devices} devices; its audit shows {made} {v}-made",
            )
        )
    org = doc.get("organisation")
    if fig.body and fig.body.organisation and org and org != fig.body.organisation:
        out.append(
            Flag(
                r.id,
                fig.name,
                "answer-other-organisation",
                f"the answer was exported for {org!r}, not the body's organisation "
                f"{fig.body.organisation!r}",
            )
        )
    return out


def summarise_round(
    round: str,
    requests: list[InfoRequest],
    recipients: list[Recipient],
    responses: list[Response],
    *,
    today: date,
    vendor: str = "Hikvision",
) -> RoundSummary:
    """The aggregates of one round from its requests, recipients and responses.

    A named body's latest response counts; responses reported but not named each count as one
    body. A recipient with no response is counted as "no response by deadline" (derived, and
    marked so) only when its deadline has passed and the round has no unnamed responses that
    might be its answer; otherwise it is pending or not accounted for.
    """
    ids = {r.id for r in requests}
    latest: dict[str, Response] = {}
    unnamed: list[Response] = []
    for resp in sorted((r for r in responses if r.request_id in ids), key=lambda r: r.id):
        if resp.body is None:
            unnamed.append(resp)
        else:
            latest[resp.body.key] = resp
    lines = {s: StatusLine(s) for s in ResponseStatus}
    bodies: list[BodyFigures] = []
    for resp in [*latest.values(), *unnamed]:
        line = lines[resp.status]
        line.bodies += 1
        line.responses.append(resp.id)
        pop = resp.body.population if resp.body else None
        if resp.body is not None:
            line.named += 1
        if pop is None:
            line.population_missing += 1
        else:
            line.population += pop.value
            line.vintages.add(pop.vintage)
        fig = BodyFigures(resp.body, resp)
        _answer_figures(fig, vendor)
        fig.flags = _flags(fig, vendor)
        bodies.append(fig)
    asked_keys = {rc.body.key: rc for rc in recipients if rc.request_id in ids}
    silent = [rc for k, rc in asked_keys.items() if k not in latest]
    pending: list[str] = []
    not_accounted = 0
    for rc in silent:
        if rc.sent is None:
            not_accounted += 1
        elif foi_deadline(rc.sent, today).overdue and not unnamed:
            line = lines[ResponseStatus.NO_RESPONSE]
            line.bodies += 1
            line.derived.append(rc.body.key)
            pop = rc.body.population
            if pop is None:
                line.population_missing += 1
            else:
                line.population += pop.value
                line.vintages.add(pop.vintage)
        elif not foi_deadline(rc.sent, today).overdue:
            pending.append(rc.body.key)
        else:
            not_accounted += 1
    not_accounted = max(0, not_accounted - len(unnamed))
    open_deadlines = [
        (rc.body.name, foi_deadline(rc.sent, today)) for rc in silent if rc.sent is not None
    ]
    flags = [f for b in bodies for f in b.flags]
    return RoundSummary(
        round,
        requests,
        len(asked_keys),
        [lines[s] for s in ResponseStatus],
        bodies,
        not_accounted,
        sorted(pending),
        flags,
        vendor,
        sorted(open_deadlines, key=lambda x: (x[1].due, x[0])),
    )


def changes(before: RoundSummary, after: RoundSummary) -> list[Change]:
    """Bodies named in both rounds whose status or restricted count changed."""
    a = {b.body.key: b for b in before.bodies if b.body}
    out = []
    for b in after.bodies:
        if b.body is None or b.body.key not in a:
            continue
        old = a[b.body.key]
        if old.response.status != b.response.status or old.restricted != b.restricted:
            out.append(
                Change(
                    b.name,
                    old.response.status.label,
                    b.response.status.label,
                    old.restricted,
                    b.restricted,
                    (old.response.id, b.response.id),
                )
            )
    return out


CAVEATS = (
    "Population figures are the shipped or imported ones with their vintages; a body with no "
    "figure is 'not known' and is counted as missing, never estimated.",
    "Responses reported but not named count as bodies but carry no population.",
    "Device figures come only from answers exported by a body's own camaudit audit; their "
    "provenance (signed, HMAC, hash only) is shown per body.",
    HOLIDAY_CAVEAT,
)
