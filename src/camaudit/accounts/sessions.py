"""Logging in (with throttling), browser sessions and per-user API tokens.

Only SHA-256 digests of session and API tokens are stored; the tokens themselves are shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from camaudit.accounts.passwords import hash_password, needs_rehash, verify_password
from camaudit.accounts.roles import Principal
from camaudit.accounts.users import principal
from camaudit.errors import AuthError, InputError, NotFoundError
from camaudit.models import utcnow
from camaudit.store import Store
from camaudit.store.web_tables import ApiTokenRow, LoginFailureRow, UserRow, WebSessionRow

#: Failed logins counted over this window ...
THROTTLE_WINDOW = timedelta(minutes=15)
#: ... per user name, and per client address, before further attempts are refused.
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
SESSION_TTL = timedelta(hours=12)
TOKEN_PREFIX = "cma_"  # noqa: S105 - a marker, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def authenticate(store: Store, username: str, password: str, client: str) -> Principal:
    """The caller if ``password`` is right; :class:`AuthError` otherwise.

    After too many failures for the user name or the client address within
    :data:`THROTTLE_WINDOW`, every attempt is refused (``throttled``) without checking the
    password, so guessing cannot go on at speed.
    """
    now = utcnow()
    since = now - THROTTLE_WINDOW
    client = client[:64]
    failed = False
    with store.session() as s, s.begin():
        by_user = s.scalar(
            select(func.count(LoginFailureRow.id)).where(
                LoginFailureRow.username == username, LoginFailureRow.ts >= since
            )
        )
        by_client = s.scalar(
            select(func.count(LoginFailureRow.id)).where(
                LoginFailureRow.client == client, LoginFailureRow.ts >= since
            )
        )
        if (by_user or 0) >= MAX_FAILURES_PER_USER or (by_client or 0) >= MAX_FAILURES_PER_CLIENT:
            raise AuthError("too many failed logins; try again later", throttled=True)
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        ok = verify_password(row.password_hash if row else None, password)
        if not ok or row is None or row.disabled:
            s.add(LoginFailureRow(username=username[:100], client=client, ts=now))
            failed = True  # raised after the commit, so the failure is counted
        else:
            if needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            s.execute(delete(LoginFailureRow).where(LoginFailureRow.username == username))
            user_id = row.id
    if failed:
        raise AuthError("wrong user name or password")
    found = principal(store, user_id)
    assert found is not None
    return found


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf: str
    expires: datetime


def start_session(store: Store, user_id: int, ttl: timedelta = SESSION_TTL) -> NewSession:
    """A new browser session: a random token for the cookie and a CSRF token for its forms."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    with store.session() as s, s.begin():
        s.execute(delete(WebSessionRow).where(WebSessionRow.expires < now))
        s.add(
            WebSessionRow(
                token_sha256=_digest(token),
                user_id=user_id,
                csrf=csrf,
                created=now,
                expires=now + ttl,
            )
        )
    return NewSession(token, csrf, now + ttl)


def session_principal(store: Store, token: str) -> tuple[Principal, str] | None:
    """``(caller, csrf token)`` for a live session token, else None."""
    with store.session() as s:
        row = s.scalar(select(WebSessionRow).where(WebSessionRow.token_sha256 == _digest(token)))
        if row is None or _aware(row.expires) < utcnow():
            return None
        user_id, csrf = row.user_id, row.csrf
    found = principal(store, user_id)
    return (found, csrf) if found else None


def end_session(store: Store, token: str) -> None:
    with store.session() as s, s.begin():
        s.execute(delete(WebSessionRow).where(WebSessionRow.token_sha256 == _digest(token)))


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    created: datetime
    last_used: datetime | None
    revoked: bool


def create_token(store: Store, user_id: int, name: str) -> tuple[TokenInfo, str]:
    """A new API token for ``user_id``; the secret is returned once and only its digest kept."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("a token needs a name of 1-100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.session() as s, s.begin():
        row = ApiTokenRow(
            user_id=user_id,
            name=name,
            token_sha256=_digest(secret),
            created=utcnow(),
            revoked=False,
        )
        s.add(row)
        s.flush()
        return TokenInfo(row.id, name, row.created, None, False), secret


def tokens(store: Store, user_id: int) -> list[TokenInfo]:
    with store.session() as s:
        rows = s.scalars(
            select(ApiTokenRow).where(ApiTokenRow.user_id == user_id).order_by(ApiTokenRow.id)
        )
        return [TokenInfo(r.id, r.name, r.created, r.last_used, r.revoked) for r in rows]


def revoke_token(store: Store, user_id: int, token_id: int) -> None:
    """Revoke one of the caller's own tokens (another user's token is "not found")."""
    with store.session() as s, s.begin():
        row = s.get(ApiTokenRow, token_id)
        if row is None or row.user_id != user_id:
            raise NotFoundError(f"no token {token_id}")
        row.revoked = True


def token_principal(store: Store, secret: str) -> Principal | None:
    """The caller behind an API token, or None (unknown, revoked, or the account disabled)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    with store.session() as s, s.begin():
        row = s.scalar(select(ApiTokenRow).where(ApiTokenRow.token_sha256 == _digest(secret)))
        if row is None or row.revoked:
            return None
        row.last_used = utcnow()
        user_id = row.user_id
    return principal(store, user_id)
