"""Reports: summary figures and output formats (html, pdf, csv, xlsx, json, cyclonedx, answer).

``write_report(fmt, path, devices, findings, meta)`` writes one format; ``FORMATS`` names them.
"""

from camaudit.reports.context import ReportData, ReportMeta, build_report_data
from camaudit.reports.summary import Summary, summarise
from camaudit.reports.vendor_exposure import VendorExposure, assess_vendor
from camaudit.reports.writers import FORMATS, SUFFIXES, write_report

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "ReportData",
    "ReportMeta",
    "Summary",
    "VendorExposure",
    "assess_vendor",
    "build_report_data",
    "summarise",
    "write_report",
]
