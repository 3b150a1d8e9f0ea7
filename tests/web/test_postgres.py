"""The web layer on PostgreSQL: accounts, sessions, the scoped estate and its 404s."""

from __future__ import annotations

from fastapi.testclient import TestClient

from camaudit.store import Store
from camaudit.web import create_app
from tests.store.test_postgres import pg_url  # noqa: F401 - the throwaway cluster fixture
from tests.web.conftest import ORG_A, ORG_B, build_estate, sign_in


def test_web_on_postgres(pg_url):  # noqa: F811
    est = build_estate(pg_url)
    with Store.open(pg_url) as store:
        app = create_app(store)
        with TestClient(app) as c:
            sign_in(c, "vera")
            own = c.get("/api/devices?restricted=yes").json()
            assert own and {d["org"] for d in own} == {ORG_A}
            assert c.get(f"/devices/{est.devices[ORG_A][0]}").status_code == 200
            for url in (
                f"/devices/{est.devices[ORG_B][0]}",
                f"/api/evidence/{est.evidence[ORG_B][0]}/raw",
                f"/audits/{est.audits[ORG_B][0]}",
                f"/reports/{est.org_ids[ORG_B]}/csv",
            ):
                assert c.get(url).status_code == 404, url
            assert c.get(f"/api/devices/{2**31 - 1}").status_code == 404
