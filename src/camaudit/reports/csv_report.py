"""The ``csv`` format: one row per device (:data:`~camaudit.reports.tabular.DEVICE_COLUMNS`)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from camaudit.models import Device, Finding
from camaudit.reports.context import build_report_data
from camaudit.reports.tabular import DEVICE_COLUMNS, device_row

#: Kept for callers of the first version; the same list as ``DEVICE_COLUMNS``.
CSV_COLUMNS = DEVICE_COLUMNS


def write_csv(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write one UTF-8 CSV row per device; formula-like text is neutralised."""
    data = build_report_data(devices, findings, meta)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(DEVICE_COLUMNS)
        for entry in data.entries:
            w.writerow(["" if c is None else c for c in device_row(entry)])
