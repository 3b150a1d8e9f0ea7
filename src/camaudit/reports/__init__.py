"""Reports over the store: summary figures and output formats (HTML, JSON, CSV)."""

from camaudit.reports.summary import Summary, summarise
from camaudit.reports.writers import FORMATS, write_report

__all__ = ["FORMATS", "Summary", "summarise", "write_report"]
