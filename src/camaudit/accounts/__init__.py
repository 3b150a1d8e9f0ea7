"""Accounts for the web layer: users, roles per organisation, sessions, API tokens, activity.

Passwords are Argon2id hashes; session and API tokens are kept only as SHA-256 digests.
"""

from camaudit.accounts.activity import ActivityEntry, entries, record
from camaudit.accounts.roles import Capability, Membership, Principal, Role, parse_role
from camaudit.accounts.sessions import (
    NewSession,
    TokenInfo,
    authenticate,
    create_token,
    end_session,
    revoke_token,
    session_principal,
    start_session,
    token_principal,
    tokens,
)
from camaudit.accounts.users import (
    UserInfo,
    add_user,
    grant,
    principal,
    revoke,
    set_disabled,
    set_password,
    users,
)

__all__ = [
    "ActivityEntry",
    "Capability",
    "Membership",
    "NewSession",
    "Principal",
    "Role",
    "TokenInfo",
    "UserInfo",
    "add_user",
    "authenticate",
    "create_token",
    "end_session",
    "entries",
    "grant",
    "parse_role",
    "principal",
    "record",
    "revoke",
    "revoke_token",
    "session_principal",
    "set_disabled",
    "set_password",
    "start_session",
    "token_principal",
    "tokens",
    "users",
]
