"""Password hashing with Argon2id (argon2-cffi's defaults, re-hashed when they change)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from camaudit.errors import InputError

_HASHER = PasswordHasher()
MIN_LENGTH = 10
#: Verified against when a user does not exist, so timing does not tell who has an account.
_DUMMY = _HASHER.hash("camaudit-no-such-user")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (at least :data:`MIN_LENGTH` characters)."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant work when ``stored`` is None)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
