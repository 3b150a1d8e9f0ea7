"""Sensor tokens: a random secret given once to the site; the centre keeps only its SHA-256
(the *key*), which also signs every message either way (HMAC-SHA256), so the token itself never
crosses the broker and a message forged without it is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any


def new_token() -> str:
    """A fresh sensor token (URL-safe, 256 bits)."""
    return "cas_" + secrets.token_urlsafe(32)


def key_of(token: str) -> str:
    """The key the centre stores for ``token`` (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def sensor_id_of(key: str) -> str:
    """A public handle for a key (its first 16 hex digits), carried in messages."""
    return key[:16]


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(key: str, body: dict[str, Any]) -> str:
    return hmac.new(key.encode(), canonical(body), hashlib.sha256).hexdigest()


def verify(key: str, body: dict[str, Any], signature: str) -> bool:
    return hmac.compare_digest(sign(key, body), signature)
