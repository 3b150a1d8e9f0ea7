"""The ``pdf`` format: the HTML report laid out for A4 landscape by WeasyPrint.

WeasyPrint may only read ``data:`` URLs and files inside the report templates folder: every other
URL (http, https, ftp, files elsewhere) is refused before any connection or read, so a report
never reaches the network. Chinese maker names need a CJK font on the machine (Debian:
``fonts-noto-cjk``); the stylesheet names Noto Sans CJK as a fallback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from camaudit.models import Device, Finding
from camaudit.reports.context import build_report_data
from camaudit.reports.html_report import TEMPLATES_DIR, render_html


class BlockedURLError(ValueError):
    """A URL the PDF renderer is not allowed to fetch (WeasyPrint skips the resource)."""


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that allows ``data:`` and ``file:`` under ``root`` only."""

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = root.resolve()

    def allows(self, url: str) -> bool:
        """Whether ``url`` may be fetched."""
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return True
        if scheme != "file":
            return False
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return False
        path = Path(url2pathname(parts.path)).resolve()
        return path.is_relative_to(self.root) and path.is_file()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        if not self.allows(url):
            raise BlockedURLError(f"report rendering may not fetch {url[:200]!r}")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    """Lay out ``html`` (a report page) as PDF bytes, with fetching limited as above."""
    doc = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher())
    pdf: bytes = doc.write_pdf()
    return pdf


def write_pdf(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the PDF report."""
    path.write_bytes(render_pdf(render_html(build_report_data(devices, findings, meta))))
