"""A two-organisation estate with accounts of every role, and signed-in test clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from camaudit import api
from camaudit.accounts import Role, add_user, grant
from camaudit.estate import add_scope
from camaudit.estate.queries import device_evidence_infos
from camaudit.store import Store
from camaudit.web import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"
REGISTER = FIXTURES / "register" / "messy_register.csv"
NMAP = FIXTURES / "nmap" / "estate.xml"
ORG_A, ORG_B = "Northshire Council", "Southvale Council"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

#: user -> (organisation, role, evidence granted)
USERS = {
    "alice": (ORG_A, Role.ADMIN, False),
    "opal": (ORG_A, Role.OPERATOR, False),
    "vera": (ORG_A, Role.VIEWER, False),
    "olga": (ORG_A, Role.OVERSIGHT, False),
    "otto": (ORG_A, Role.OVERSIGHT, True),
    "bob": (ORG_B, Role.ADMIN, False),
}


@dataclass
class Estate:
    """Ids of each organisation's objects (for the cross-organisation tests)."""

    url: str
    org_ids: dict[str, int] = field(default_factory=dict)
    devices: dict[str, list[int]] = field(default_factory=dict)
    audits: dict[str, list[int]] = field(default_factory=dict)
    evidence: dict[str, list[int]] = field(default_factory=dict)
    scopes: dict[str, int] = field(default_factory=dict)


def build_estate(url: str) -> Estate:
    with Store.open(url) as store:
        est = Estate(url)
        for org, site in ((ORG_A, "Town Hall"), (ORG_B, "Harbour")):
            audits = [
                api.import_file("register", REGISTER, store=store, org=org, site=site).audit.id,
                api.import_file("nmap", NMAP, store=store, org=org, site=site).audit.id,
            ]
            api.assess_store(store, org=org)
            est.audits[org] = [a for a in audits if a is not None]
            devs = store.devices(org)
            est.devices[org] = [d.id for d in devs if d.id is not None]
            est.evidence[org] = [
                e.id for d in devs[:3] for e in device_evidence_infos(store, d.id or 0)
            ]
            est.scopes[org] = add_scope(store, org, "loopback lab", ["127.0.0.1"]).id
        est.org_ids = {ref: i for i, ref in _org_ids(store).items()}
        for name, (org, role, granted) in USERS.items():
            add_user(store, name, PASSWORD)
            grant(store, name, org, role, evidence_granted=granted)
    return est


def _org_ids(store: Store) -> dict[int, str]:
    from camaudit.estate.queries import org_refs

    return {r.id: r.name for r in org_refs(store)}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Estate:
    path = tmp_path_factory.mktemp("web") / "web.db"
    return build_estate(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def app_store(estate: Estate) -> Iterator[Store]:
    store = Store.open(estate.url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def app(app_store: Store):  # type: ignore[no-untyped-def]
    return create_app(app_store)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/account").text)


@pytest.fixture
def client_for(app):  # type: ignore[no-untyped-def]
    """``client_for("alice")`` → (signed-in TestClient, CSRF token)."""
    clients: list[TestClient] = []

    def make(username: str) -> tuple[TestClient, str]:
        c = TestClient(app)
        clients.append(c)
        return c, sign_in(c, username)

    yield make
    for c in clients:
        c.close()
