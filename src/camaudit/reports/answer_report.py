"""The ``answer`` format: a plain-language reply to an information request about one vendor.

For a request such as "Do you use Hikvision cameras in your public CCTV network?" it states the
counts (made by the vendor under its own name, under other labels, devices with hints of the
vendor), how sure the identification is, and the caveats (unidentified devices, OEM labels,
components, evidence date, scope) in neutral language. The vendor comes from ``meta["vendor"]``
(default Hikvision), the wording of the request from ``meta["question"]``. Markdown that reads
as plain text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from camaudit.models import Device, Finding
from camaudit.reports.context import DeviceEntry, ReportData, build_report_data, format_day
from camaudit.reports.summary import HIGH_CONFIDENCE
from camaudit.reports.vendor_exposure import VendorExposure, assess_vendor

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(text: str) -> str:
    """Text safe to put in Markdown: one line, markup characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text)).strip()


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _verb(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def headline(x: VendorExposure) -> str:
    """The one-paragraph answer."""
    v = plain(x.vendor)
    if x.total == 0:
        return (
            "We cannot answer either way from this audit: it recorded no networked devices, "
            "so it gives no information about the equipment in use."
        )
    if x.made_by_vendor:
        via = (
            f", including {len(x.oem)} sold under "
            f"{_verb(len(x.oem), 'another brand name', 'other brand names')}"
            if x.oem
            else ""
        )
        return (
            f"Yes. {x.made_by_vendor} of the {_n(x.total, 'device')} examined "
            f"{_verb(x.made_by_vendor, 'was', 'were')} identified as made by {v}{via}."
        )
    doubts = []
    if x.unknown_makers:
        doubts.append(f"{_n(x.unknown_makers, 'device')} could not be identified")
    others = len(x.indicated) - x.indicated_unknown
    if others:
        doubts.append(
            f"{_n(others, 'device')} made by other companies "
            f"{_verb(others, 'shows', 'show')} some link to {v}"
        )
    if doubts:
        return (
            f"None of the {_n(x.total, 'device')} examined was identified as made by {v}. "
            f"However, {' and '.join(doubts)}, so {v} equipment cannot be ruled out completely."
        )
    return (
        f"No. None of the {_n(x.total, 'device')} examined was identified as made by {v}, "
        "and the manufacturer of every device was identified."
    )


def _counts(x: VendorExposure) -> list[str]:
    v = plain(x.vendor)
    labels = ", ".join(f"{plain(label)} ({n})" for label, n in sorted(x.labels.items()))
    rows = [
        ("Made by " + v + ", sold under the " + v + " name", len(x.direct)),
        (
            f"Made by {v}, sold under another brand name" + (f": {labels}" if labels else ""),
            len(x.oem),
        ),
        (
            f"Made by another company or not identified, with some evidence linked to {v}",
            len(x.indicated),
        ),
        ("Made by other manufacturers", x.other),
        (f"Manufacturer not identified, nothing linked to {v}", x.unknown),
    ]
    lines = ["| Devices | Number |", "| --- | ---: |"]
    lines += [f"| {label} | {n} |" for label, n in rows]
    lines.append(f"| **Total examined** | **{x.total}** |")
    return lines


def _confidence(x: VendorExposure) -> list[str]:
    v = plain(x.vendor)
    out = []
    if x.made_by_vendor:
        moderate = x.made_by_vendor - x.high_confidence
        out.append(
            f"- Of the {_n(x.made_by_vendor, 'device')} identified as made by {v}, "
            f"{x.high_confidence} {_verb(x.high_confidence, 'was', 'were')} identified with "
            f"high confidence (independent pieces of evidence agree; score of at least "
            f"{HIGH_CONFIDENCE:.1f} out of 1) and {moderate} with moderate confidence."
        )
    out.append(
        f"- Across all {_n(x.total, 'device')}, {x.estate_high_confidence} "
        f"{_verb(x.estate_high_confidence, 'was', 'were')} identified with high confidence "
        f"and the manufacturer of {_n(x.unknown_makers, 'device')} could not be identified."
    )
    return out


def _caveats(x: VendorExposure, data: ReportData) -> list[str]:
    v = plain(x.vendor)
    out = []
    if x.unknown_makers:
        out.append(
            f"- **Unidentified devices.** {_n(x.unknown_makers, 'device')} did not give enough "
            "information to name the manufacturer. "
            + _verb(
                x.unknown_makers,
                f"It could be a {v} product; it would need to be checked on site.",
                f"Some of them could be {v} products; they would need to be checked on site.",
            )
        )
    out.append(
        f"- **Other brand names.** {v} also makes equipment that is sold under other brand names. "
        "Where a device carries another brand, the audit relies on published relationships "
        "between brands and manufacturers. These are not always complete or current, and some "
        "brands buy from several manufacturers, so a device sold under such a brand is only "
        "counted as made by " + v + " when its own evidence supports it."
    )
    hinted = ""
    if x.indicated:
        hinted = (
            f" {_n(len(x.indicated), 'device')} not identified as made by {v} nevertheless "
            f"{_verb(len(x.indicated), 'shows', 'show')} some link to {v} (for example a "
            f"network interface registered to {v}, or a weaker match); "
            + _verb(
                len(x.indicated),
                f"it may be a relabelled {v} product or contain parts made by {v}.",
                f"these may be relabelled {v} products or contain parts made by {v}.",
            )
        )
    out.append(
        "- **Components.** The audit identifies the maker of each device as a whole. It cannot "
        f"show whether equipment made by other companies contains parts made by {v}, such as "
        f"camera modules or chips.{hinted}"
    )
    out.append(
        f"- **Date.** The figures describe the network {data.period}. Equipment installed, "
        "removed or replaced since then is not reflected."
    )
    out.append(
        "- **Scope.** Only devices reachable on the parts of the network included in the audit "
        "were examined. Cameras that do not connect to the network themselves (for example "
        "analogue cameras wired to a recorder) are not counted individually."
    )
    return out


def _audit_refs(data: ReportData) -> str:
    if not data.meta.audits:
        return ""
    return "; audit references: " + ", ".join(plain(str(a)) for a in data.meta.audits)


def _asked(e: DeviceEntry, vendor: str) -> bool:
    ident = e.device.identity
    names = {(n or "").lower() for n in (e.maker, ident.manufacturer, ident.brand)}
    return e.restricted and vendor.lower() in names


def _by_location(data: ReportData) -> list[str]:
    """The asked vendor's restricted kit by location (asset id, model, address)."""
    rows = sorted(
        (
            (e.device.asset.where() or "location not recorded", e.device.asset.asset_id or "", e)
            for e in data.entries
            if _asked(e, data.meta.vendor)
        ),
        key=lambda r: (r[0], r[1]),
    )
    if not rows:
        return []
    lines = [f"## {plain(data.meta.vendor)} equipment by location", ""]
    for where, asset_id, e in rows:
        ident = e.device.identity
        what = " ".join(w for w in (e.maker, ident.model) if w)
        tag = f"asset {plain(asset_id)}, " if asset_id else ""
        lines.append(f"- {plain(where)}: {tag}{plain(what)} ({e.device.ip or e.device.key})")
    return [*lines, ""]


def render_answer(data: ReportData) -> str:
    """The answer as Markdown text (vendor and request wording from ``data.meta``)."""
    x = assess_vendor(data.entries, data.meta.vendor)
    v = plain(x.vendor)
    org = plain(data.meta.org) if data.meta.org else None
    question = data.meta.question
    asked = plain(question) if question else f"Do you use {v} cameras in your public CCTV network?"
    lines = [
        f"# {v} equipment in {'the CCTV network of ' + org if org else 'the CCTV network'}",
        "",
        f"**Request:** “{asked}”",
        "",
        f"**Answer:** {headline(x)}",
        "",
        "## What the audit found",
        "",
        f"The audit examined {_n(x.total, 'networked device')} {data.period}.",
        "",
        *_counts(x),
        "",
        *_by_location(data),
        "## How certain this is",
        "",
        *_confidence(x),
        "",
        "## Limitations",
        "",
        *_caveats(x, data),
        "",
        "## How this was established",
        "",
        "The devices were examined with camaudit, an open-source auditing tool, which identifies "
        "each device from the information it gives out on the network and from asset records. "
        "Every identification is backed by recorded evidence, each item identified by a SHA-256 "
        "fingerprint, which can be made available for review.",
        "",
        f"Prepared {format_day(data.meta.generated)}{_audit_refs(data)}.",
        "",
    ]
    return "\n".join(lines)


def write_answer(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the information-request answer about ``meta["vendor"]`` (default Hikvision)."""
    data = build_report_data(devices, findings, meta)
    path.write_text(render_answer(data), encoding="utf-8")
