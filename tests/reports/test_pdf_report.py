"""The PDF report: renders to non-blank pages, Chinese names in an embedded CJK font, and the
renderer fetches nothing but data: URLs and the templates folder."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

try:
    import weasyprint  # noqa: F401
except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
    pytest.skip(f"WeasyPrint unavailable: {exc}", allow_module_level=True)
if not all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdffonts", "pdfinfo")):
    pytest.skip(
        "poppler-utils (pdftoppm, pdftotext, pdffonts) not installed", allow_module_level=True
    )

from PIL import Image

from camaudit.reports.html_report import TEMPLATES_DIR
from camaudit.reports.pdf_report import LocalOnlyFetcher, render_pdf
from tests.reports.estate import CJK_MAKER_TEXT, CJK_SITE


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, estate, findings) -> Path:
    from camaudit.reports import write_report
    from tests.reports.estate import META

    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    return write_report("pdf", path, estate, findings, META)


def test_pages_render_and_are_not_blank(pdf, tmp_path):
    pages = int(
        next(x for x in run("pdfinfo", str(pdf)).splitlines() if x.startswith("Pages:")).split()[1]
    )
    assert pages >= 3  # summary, charts, device tables
    run("pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page"))
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    for png in pngs:
        with Image.open(png) as im:
            grey = im.convert("L")
            w, h = grey.size
            assert w > h  # A4 landscape
            dark = sum(grey.histogram()[:200])
            assert dark > 0.003 * w * h, f"{png.name} looks blank ({dark} dark pixels)"
    with Image.open(pngs[0]) as first:
        colours = first.convert("RGB").getcolors(maxcolors=1 << 16) or []
    # the restricted-vendor figure is printed in red
    assert any(r > 150 and g < 80 and b < 80 for _, (r, g, b) in colours)


def test_text_and_cjk_fonts_are_embedded(pdf):
    text = run("pdftotext", str(pdf), "-")
    assert "Executive summary" in text and "Example Borough Council" in text
    assert CJK_MAKER_TEXT.split()[1] in text  # 海康威视
    assert CJK_SITE.split()[-1] in text  # 唐人街
    assert "&lt;" not in text and "<script>alert(1)" in text  # shown once, as text
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    cjk = [f for f in fonts if "CJK" in f]
    assert cjk, "no CJK font embedded: install fonts-noto-cjk"
    assert all(" yes yes " in f for f in fonts)  # every font embedded and subset


def test_fetcher_allows_only_data_and_templates(tmp_path):
    f = LocalOnlyFetcher()
    assert f.allows("data:text/css,body{}")
    assert f.allows((TEMPLATES_DIR / "report.html").as_uri())
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    for url in (
        "http://127.0.0.1/x.png",
        "https://127.0.0.1/x.css",
        "ftp://127.0.0.1/x",
        "//127.0.0.1/x",
        outside.as_uri(),
        (TEMPLATES_DIR / ".." / ".." / "models.py").as_uri(),
        f"file://127.0.0.1{TEMPLATES_DIR / 'report.html'}",
        "file:///etc/passwd",
    ):
        assert not f.allows(url), url
    with pytest.raises(ValueError):
        f.fetch("http://127.0.0.1:9/")


def test_rendering_never_connects_out():
    """A page pointing at a live loopback listener must not produce a single connection."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        srv.setblocking(False)
        base = f"http://127.0.0.1:{srv.getsockname()[1]}"
        html = (
            f'<html><head><link rel="stylesheet" href="{base}/a.css">'
            f"<style>@import url({base}/b.css); body{{background:url({base}/c.png)}}</style>"
            f'</head><body><img src="{base}/d.png" alt=""><img src="file:///etc/hostname" alt="">'
            f'<img alt="" src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 '
            f'width=%2210%22 height=%2210%22%3E%3Crect width=%2210%22 height=%2210%22/%3E%3C/svg%3E">'
            f"<p>hello</p></body></html>"
        )
        out = render_pdf(html)
        assert out.startswith(b"%PDF")
        with pytest.raises(BlockingIOError):
            srv.accept()  # nothing connected while the PDF was laid out


def test_reconciliation_section_is_printed(tmp_path, planted):
    from camaudit.reports import write_report
    from tests.reports.estate import META
    from tests.reports.planted import EXPECTED, ORG

    path = write_report("pdf", tmp_path / "r.pdf", planted, [], {**META, "org": ORG})
    text = " ".join(run("pdftotext", "-layout", str(path), "-").split())
    tail = text[text.index("Register reconciliation") :]
    assert text.index("CAM-005") < text.index("Register reconciliation")  # after the devices
    for kind, asset_id, location in EXPECTED:
        if asset_id is not None:
            assert f"{asset_id} {location}" in tail, kind
    assert "10.77.0.3" in tail and "never seen on the network" in tail


def test_asset_id_and_location_beside_each_restricted_device(tmp_path, planted):
    from camaudit.reports import write_report
    from tests.reports.estate import META
    from tests.reports.planted import ORG, restricted_placed

    path = write_report("pdf", tmp_path / "r.pdf", planted, [], {**META, "org": ORG})
    text = run("pdftotext", "-layout", str(path), "-")
    devices = text[: text.index("Register reconciliation")]
    lines = devices.splitlines()
    for ip, asset_id, location in restricted_placed(planted):
        at = next(i for i, line in enumerate(lines) if asset_id in line.split())
        cell = " ".join(" ".join(lines[at : at + 4]).split())
        assert location.split()[0] in cell and ip in cell, (asset_id, cell)
