"""The dashboard in a real browser (Debian's Chromium driven by Playwright), on 127.0.0.1.

Walks the acceptance path: sign in, overview, filter to restricted devices, open one, follow its
evidence to the raw bytes (and check their SHA-256), download a PDF report, upload a register
and watch the import finish, and be refused another organisation's device. Screenshots of the
main pages go to ``test-output/web/`` (or ``$CAMAUDIT_SCREENSHOTS``).
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.store import Store
from camaudit.web import create_app
from tests.web.conftest import ORG_A, ORG_B, PASSWORD, REGISTER, build_estate

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(
    os.environ.get("CAMAUDIT_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-output" / "web"
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    import uvicorn

    est = build_estate(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'b.db'}")
    store = Store.open(est.url)
    app = create_app(store)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # loopback only
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}", est, app
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def _shot(page, name: str, *, full: bool = True) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_acceptance_walk(server, browser, tmp_path):  # type: ignore[no-untyped-def]
    base, est, _ = server
    context = browser.new_context(
        base_url=base, accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(20000)

    # sign in
    page.goto("/login")
    _shot(page, "login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    # the overview
    assert page.locator("h1").inner_text() == "Estate overview"
    assert page.locator("svg.chart").count() == 4
    assert ORG_B not in page.content()
    _shot(page, "overview")

    # filter to restricted devices
    page.goto("/devices")
    page.select_option("select[name=restricted]", "yes")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/devices?*restricted=yes*")
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert rows.nth(i).locator(".tag.bad").count() > 0
    _shot(page, "devices-restricted", full=False)

    # open one, follow its evidence to the raw bytes
    rows.first.locator("a").first.click()
    page.wait_for_url("**/devices/*")
    assert page.locator("text=Evidence chain").count() == 1
    _shot(page, "device")
    page.locator("a.evidence-link").first.click()
    page.wait_for_url("**/evidence/*")
    digest = page.locator("#sha256").inner_text().strip()
    _shot(page, "evidence")
    with page.expect_download() as dl:
        page.click("#raw-download")
    raw = tmp_path / "raw.bin"
    dl.value.save_as(raw)
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == digest

    # download a PDF report
    page.goto("/reports")
    _shot(page, "reports")
    with page.expect_download() as dl:
        page.locator("a.report-pdf").first.click()
    pdf = tmp_path / "report.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # findings and audits, for the screenshots
    page.goto("/findings")
    _shot(page, "findings", full=False)
    page.goto("/audits")
    _shot(page, "audits")

    # upload a register and watch the import finish (the progress box updates in place)
    page.goto("/import")
    page.select_option("select[name=fmt]", "register")
    page.fill("input[name=site]", "Depot")
    page.set_input_files("input[name=file]", str(REGISTER))
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector(".job-progress[data-status=done]", timeout=60000)
    assert page.locator("a.job-audit").count() == 1
    _shot(page, "import-done")

    # the admin page
    page.goto("/admin")
    _shot(page, "admin")

    # another organisation's device is not there
    other = est.devices[ORG_B][0]
    response = page.goto(f"/devices/{other}")
    assert response is not None and response.status == 404
    assert ORG_B not in page.content()
    _shot(page, "refused")
    context.close()


def test_no_external_fetch(server, browser):  # type: ignore[no-untyped-def]
    """Every request a page makes goes to the server itself (no CDN, no fonts from elsewhere)."""
    base, _, _ = server
    context = browser.new_context(base_url=base)
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto("/login")
    page.fill("input[name=username]", "vera")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto("/devices")
    assert seen and all(u.startswith(base) for u in seen), [
        u for u in seen if not u.startswith(base)
    ]
    context.close()


def test_job_progress_updates_in_place(server, browser):  # type: ignore[no-untyped-def]
    """The job page changes from running to done without a reload (the page's poller)."""
    from camaudit.web.jobs import Job

    base, _, app = server
    release = threading.Event()

    def work(job: Job) -> None:
        job.total, job.done = 10, 3
        release.wait(20)
        job.done = 10

    job = app.state.jobs.start(Job("feedface", "import", ORG_A, "alice", "slow"), work)
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"/jobs/{job.id}")
    page.wait_for_selector(".job-progress[data-status=running] progress")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: navigations.append(f.url))
    release.set()
    page.wait_for_selector(".job-progress[data-status=done]", timeout=20000)
    assert navigations == [], "the page reloaded instead of updating in place"
    context.close()
