"""Report writers: ``json`` (devices with their findings), ``csv`` and ``html`` (self-contained)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from camaudit.errors import InputError, ReportError
from camaudit.models import Device, Finding, utcnow
from camaudit.reports.summary import summarise

CSV_COLUMNS = [
    "org",
    "site",
    "ip",
    "mac",
    "manufacturer",
    "brand",
    "model",
    "firmware",
    "device_type",
    "confidence",
    "restricted",
    "serial",
    "first_seen",
    "last_seen",
]


def _device_rows(devices: list[Device], findings: list[Finding]) -> list[dict[str, Any]]:
    by_dev: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_dev.setdefault(f.device_key, []).append(f.to_dict())
    rows = []
    for d in devices:
        row = d.to_dict()
        row["key"] = d.key
        row["findings"] = by_dev.get(d.key, [])
        rows.append(row)
    return rows


def write_json(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    doc = {
        "generated": utcnow().isoformat(),
        **meta,
        "summary": summarise(devices).as_dict(),
        "devices": _device_rows(devices, findings),
        "findings": [f.to_dict() for f in findings],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_csv(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for row in _device_rows(devices, findings):
            row["restricted"] = ";".join(r["policy"] for r in row["restricted"])
            w.writerow(row)


def write_html(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    env = Environment(
        loader=PackageLoader("camaudit.reports", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    template = env.get_template("report.html")
    summary = summarise(devices)
    html = template.render(
        generated=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        meta=meta,
        summary=summary,
        devices=_device_rows(devices, findings),
        max_count=max(summary.by_manufacturer.values(), default=1),
    )
    path.write_text(html, encoding="utf-8")


FORMATS: dict[str, Callable[[Path, list[Device], list[Finding], dict[str, Any]], None]] = {
    "json": write_json,
    "csv": write_csv,
    "html": write_html,
}


def write_report(
    fmt: str,
    path: str | Path,
    devices: list[Device],
    findings: list[Finding],
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write a report in ``fmt`` to ``path``; unknown formats and unwritable paths are InputErrors."""
    writer = FORMATS.get(fmt)
    if writer is None:
        raise InputError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    out = Path(path)
    if out.parent and not out.parent.exists():
        raise InputError(f"cannot write {out}: directory {out.parent} does not exist")
    try:
        writer(out, devices, findings, meta or {})
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out
