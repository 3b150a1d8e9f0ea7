"""The ``json`` format: ``{"generated", "org", ..., "summary", "devices", "findings"}``, plus
``reconciliation`` (``{"org", "counts", "items"}``, see :mod:`camaudit.reconcile`) when any device
came from an asset register.

Each device is the ``devices --json`` object plus its ``key``, its ``findings`` (policy id,
severity, title, detail) and ``policies`` (all policy ids that apply). Unknown values stay
``null`` as in the identity contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from camaudit.models import Device, Finding
from camaudit.reports.context import ReportData, build_report_data


def report_document(data: ReportData) -> dict[str, Any]:
    """The JSON document as a dict."""
    devices = []
    for e in data.entries:
        row = e.device.to_dict()
        row["key"] = e.key
        row["policies"] = e.policies
        row["findings"] = [f.to_dict() for f in e.findings]
        devices.append(row)
    doc = {
        **data.meta.as_dict(),
        "summary": data.summary.as_dict(),
        "devices": devices,
        "findings": [f.to_dict() for f in data.findings],
    }
    if data.reconciliation is not None:
        doc["reconciliation"] = data.reconciliation.to_dict()
    return doc


def write_json(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the report as indented UTF-8 JSON."""
    doc = report_document(build_report_data(devices, findings, meta))
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
