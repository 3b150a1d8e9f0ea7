"""Sessions expire, tokens are stored as digests, throttling counts per user and client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from camaudit.accounts import (
    add_user,
    authenticate,
    create_token,
    end_session,
    revoke_token,
    session_principal,
    start_session,
    token_principal,
)
from camaudit.accounts.sessions import MAX_FAILURES_PER_CLIENT
from camaudit.errors import AuthError, InputError
from camaudit.store import Store
from camaudit.store.web_tables import ApiTokenRow, UserRow

PASSWORD = "a long enough password"


@pytest.fixture
def store(db_url):
    with Store.open(db_url) as s:
        yield s


def test_password_is_hashed_with_argon2(store):
    add_user(store, "ann", PASSWORD)
    with store.session() as s:
        stored = s.scalar(select(UserRow.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(InputError):
        add_user(store, "ann", PASSWORD)


def test_session_lifecycle(store):
    user = add_user(store, "ann", PASSWORD)
    live = start_session(store, user.id)
    assert session_principal(store, live.token)[1] == live.csrf
    end_session(store, live.token)
    assert session_principal(store, live.token) is None
    expired = start_session(store, user.id, ttl=timedelta(seconds=-1))
    assert session_principal(store, expired.token) is None


def test_tokens_are_digests_and_revocable(store):
    user = add_user(store, "ann", PASSWORD)
    info, secret = create_token(store, user.id, "ci")
    with store.session() as s:
        assert secret not in {r.token_sha256 for r in s.scalars(select(ApiTokenRow))}
    assert token_principal(store, secret).username == "ann"
    revoke_token(store, user.id, info.id)
    assert token_principal(store, secret) is None


def test_throttling_per_client(store):
    add_user(store, "ann", PASSWORD)
    for i in range(MAX_FAILURES_PER_CLIENT):
        with pytest.raises(AuthError) as exc:
            authenticate(store, f"guess{i}", "wrong", "203.0.113.9")
        assert not exc.value.throttled
    with pytest.raises(AuthError) as exc:
        authenticate(store, "ann", PASSWORD, "203.0.113.9")
    assert exc.value.throttled
    assert authenticate(store, "ann", PASSWORD, "198.51.100.1").username == "ann"
