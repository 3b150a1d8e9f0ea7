"""The report's first screen in headless Chromium: restricted devices and the plan above the fold
(the screenshot goes to the test's directory; ``CAMAUDIT_DOCS_SHOTS=1`` refreshes the one kept
in docs/img for the docs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camaudit import api
from camaudit.models import Sensitivity
from camaudit.store import Store
from tests.importers.conftest import FIXTURES

CHROMIUM = Path("/usr/bin/chromium")
SHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "report-first-screen.png"
VIEWPORT = {"width": 1280, "height": 800}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def test_answer_is_above_the_fold(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with Store.open(f"sqlite:///{tmp_path / 'audit.db'}") as store:
        store.set_site("Westshire", "Civic Centre", Sensitivity.SENSITIVE)
        api.import_file(
            "register",
            FIXTURES / "register" / "messy_register_2.csv",
            store=store,
            org="Westshire",
            site="Civic Centre",
        )
        api.assess_store(store)
        report = api.report(store, "html", tmp_path / "report.html", "Westshire")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(report.as_uri())
            fold = VIEWPORT["height"]
            restricted = page.locator("table[aria-label='Restricted devices'] tbody tr").first
            first_step = page.locator("ol.plan > li").first
            for item in (restricted, first_step):
                box = item.bounding_box()
                assert box is not None and box["y"] + box["height"] <= fold, box
            assert "Replace" in first_step.inner_text()
            assert "asset C-" in first_step.inner_text()  # the plan names its devices
            devices = page.locator("#devices-heading").bounding_box()
            assert devices is not None and devices["y"] > fold
            shot = SHOT if os.environ.get("CAMAUDIT_DOCS_SHOTS") else tmp_path / SHOT.name
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
