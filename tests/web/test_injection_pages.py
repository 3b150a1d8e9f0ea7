"""Device and register strings as an attacker writes them, through every web page and download:
markup escaped, control characters and RTL overrides never live, download names not taken from
those strings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from camaudit import api
from camaudit.accounts import Role, add_user, grant
from camaudit.store import Store
from camaudit.web import create_app
from tests.figures import record
from tests.web.conftest import PASSWORD, sign_in

ORG = "Injection Test Council"
SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
ROWS = [
    (
        "CAM-1",
        f"Town Hall {SCRIPT}",
        "Hikvision",
        f"DS-2CD{IMG}",
        "44:19:B6:2A:10:01",
        "10.40.1.11",
    ),
    (
        "CAM-2",
        "../../../../etc/passwd",
        "Dahua",
        '=HYPERLINK("http://attacker.invalid","x")',
        "",
        "10.40.1.12",
    ),
    ("CAM-3", "Depot \u202egnp.exe", "Hik\x1b[31mvision", "+cmd|' /C calc'!A0", "", "10.40.1.13"),
]
LIVE = re.compile(r"<script>alert|<img src=x|\x1b\[")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Store, int]]:
    tmp = tmp_path_factory.mktemp("inject-web")
    register = tmp / "register.csv"
    lines = ["Asset Tag,Site / Location,Manufacturer,Model No.,MAC Address,IP Address"]
    lines += [",".join(f'"{v}"' if "," in v or '"' in v else v for v in (
        c.replace('"', '""') if '"' in c else c for c in row)) for row in ROWS]  # fmt: skip
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store.open(f"sqlite:///{tmp / 'web.db'}")
    audit = api.import_file("register", register, store=store, org=ORG, site=f"Site {SCRIPT}")
    api.assess_store(store, org=ORG)
    add_user(store, "ivy", PASSWORD)
    grant(store, "ivy", ORG, Role.ADMIN, evidence_granted=True)
    with TestClient(create_app(store)) as c:
        sign_in(c, "ivy")
        yield c, store, audit.audit.id or 0
    store.close()


def _pages(c: TestClient, store: Store, audit_id: int) -> dict[str, str]:
    devices = store.devices(ORG)
    assert len(devices) == len(ROWS)
    paths = ["/", "/devices", "/findings", "/audits", f"/audits/{audit_id}", "/reports"]
    for d in devices:
        paths.append(f"/devices/{d.id}")
        detail = c.get(f"/api/devices/{d.id}").json()
        paths += [f"/evidence/{e['id']}" for e in detail["evidence"]]
    pages = {}
    for path in paths:
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
        pages[path] = r.text
    return pages


def test_pages_show_hostile_strings_as_text(client: tuple[TestClient, Store, int]) -> None:
    c, store, audit_id = client
    pages = _pages(c, store, audit_id)
    live = {path: LIVE.findall(text) for path, text in pages.items() if LIVE.search(text)}
    record("injection_web", pages=len(pages), payloads=len(ROWS) * 4, live=len(live))
    assert live == {}
    shown = "".join(pages.values())
    assert "&lt;script&gt;alert" in shown  # the payload did reach the pages, escaped


def test_api_returns_the_strings_as_data(client: tuple[TestClient, Store, int]) -> None:
    c, _, _ = client
    assert c.get("/api/devices").headers["content-type"].startswith("application/json")
    texts = str(c.get("/api/devices").json())
    assert SCRIPT in texts  # kept verbatim as JSON data, for the client to escape


def test_download_names_are_not_taken_from_device_strings(
    client: tuple[TestClient, Store, int],
) -> None:
    c, store, _ = client
    org_id = next(iter({d.organisation for d in store.devices(ORG)}), None)
    assert org_id == ORG
    reports = c.get("/reports").text
    links = sorted(set(re.findall(r'href="(/reports/\d+/[a-z-]+)"', reports)))
    assert links
    for link in links:
        r = c.get(link)
        assert r.status_code == 200, link
        disposition = r.headers.get("content-disposition", "")
        name = disposition.rpartition("filename=")[2].strip('"')
        assert re.fullmatch(r"[A-Za-z0-9._-]*", name), (link, disposition)
        if "html" in r.headers.get("content-type", ""):
            assert not LIVE.search(r.text), link
