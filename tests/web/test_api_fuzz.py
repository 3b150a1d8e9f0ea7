"""Property-based run over the OpenAPI document (schemathesis): no request makes a 500.

Bounded: a few examples per operation, as an API-token caller of organisation A.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from camaudit.accounts import create_token, users
from camaudit.estate.scopes import delete_scope
from camaudit.store import Store
from camaudit.web import create_app
from tests.web.conftest import ORG_A, ORG_B, build_estate

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory):  # type: ignore[no-untyped-def]
    est = build_estate(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'f.db'}")
    store = Store.open(est.url)
    for org in (ORG_A, ORG_B):  # nothing to scan: the fuzzer must not start real scans
        delete_scope(store, est.scopes[org])
    alice = next(u for u in users(store) if u.username == "alice")
    _, token = create_token(store, alice.id, "fuzz")
    app = create_app(store)
    yield app, token
    store.close()


def test_no_server_errors(fuzz_env):  # type: ignore[no-untyped-def]
    app, token = fuzz_env
    api = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15

    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
            )

        run()
