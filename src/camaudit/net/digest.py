"""HTTP authentication challenges and the Digest client side (RFC 7616; RFC 2617/2069 forms).

:func:`parse_challenges` is total: any header text (hostile included) gives a list of
:class:`Challenge` and never raises; input is capped before parsing. :class:`DigestSession`
answers one chosen challenge, counting nonces so that later requests to the same device can
pre-authorise without another 401 round trip.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

#: Longest header value parsed (longer values are cut before parsing).
MAX_HEADER = 8192
#: Most challenges kept from all headers of one response.
MAX_CHALLENGES = 16
#: Most parameters kept per challenge.
MAX_PARAMS = 32

_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# One item of a challenge list: a scheme, or a parameter (name=token or name="quoted"), or a
# token68 (Basic/Negotiate blobs). Commas and whitespace separate items.
_ITEM = re.compile(
    rf"""\s*,?\s*(?:(?P<name>{_TCHARS})\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.){{0,2048}})"|(?P<bare>[^\s,"]{{0,2048}}))|(?P<word>[^\s,=]{{1,2048}}=*))""",
    re.DOTALL,
)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}
_PREFERENCE = ("SHA-256", "SHA-256-SESS", "MD5", "MD5-SESS")


@dataclass(frozen=True, slots=True)
class Challenge:
    """One authentication challenge: a scheme (lower case) and its parameters (names lower case)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")

    @property
    def algorithm(self) -> str:
        """The Digest algorithm, upper case (``MD5`` when absent, as RFC 7616 says)."""
        return self.params.get("algorithm", "MD5").strip().upper() or "MD5"

    @property
    def qop_options(self) -> tuple[str, ...]:
        raw = self.params.get("qop", "")
        return tuple(q.strip().lower() for q in raw.split(",") if q.strip())

    @property
    def stale(self) -> bool:
        return self.params.get("stale", "").strip().lower() == "true"


def parse_challenges(values: Iterable[str]) -> list[Challenge]:
    """Challenges in ``WWW-Authenticate`` header values (each may hold several). Never raises."""
    found: list[Challenge] = []
    for value in values:
        current: Challenge | None = None
        for m in _ITEM.finditer(value[:MAX_HEADER]):
            name = m.group("name")
            if name is not None:
                if current is None or len(current.params) >= MAX_PARAMS:
                    continue
                quoted = m.group("quoted")
                text = _UNESCAPE.sub(r"\1", quoted) if quoted is not None else m.group("bare")
                current.params.setdefault(name.lower(), text or "")
                continue
            word = m.group("word") or ""
            if current is not None and not current.params and word.endswith("="):
                continue  # a token68 blob after the scheme (e.g. Negotiate)
            if "=" in word:
                continue
            if len(found) >= MAX_CHALLENGES:
                return found
            current = Challenge(word.lower())
            found.append(current)
    return found


def choose_digest(challenges: Iterable[Challenge]) -> Challenge | None:
    """The strongest Digest challenge this client can answer (SHA-256 before MD5), or None."""
    usable = [
        c
        for c in challenges
        if c.scheme == "digest"
        and c.algorithm in _PREFERENCE
        and "nonce" in c.params
        and "realm" in c.params
        and (not c.qop_options or "auth" in c.qop_options)
    ]
    if not usable:
        return None
    return min(usable, key=lambda c: _PREFERENCE.index(c.algorithm))


def offers_basic(challenges: Iterable[Challenge]) -> bool:
    return any(c.scheme == "basic" for c in challenges)


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value for Basic (only ever sent over TLS by camaudit's probes)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DigestSession:
    """Answers one Digest challenge for successive requests (incrementing the nonce count).

    The username and password are held only to compute responses; ``repr`` shows neither.
    """

    __slots__ = ("_cnonce", "_password", "_username", "challenge", "nonce_count")

    def __init__(
        self, challenge: Challenge, username: str, password: str, *, cnonce: str | None = None
    ) -> None:
        if challenge.scheme != "digest" or challenge.algorithm not in _PREFERENCE:
            raise ValueError("not an answerable Digest challenge")
        self.challenge = challenge
        self._username = username
        self._password = password
        self._cnonce = cnonce or secrets.token_hex(16)
        self.nonce_count = 0

    def __repr__(self) -> str:
        return (
            f"DigestSession(realm={self.challenge.realm!r}, algorithm={self.challenge.algorithm})"
        )

    def authorization(self, method: str, uri: str) -> str:
        """The ``Authorization`` header value for ``method uri`` (next nonce count)."""
        self.nonce_count += 1
        c = self.challenge
        algorithm = c.algorithm
        hash_fn = _HASHES[algorithm.removesuffix("-SESS")]
        realm = c.params.get("realm", "")
        nonce = c.params.get("nonce", "")
        nc = f"{self.nonce_count:08x}"
        username = self._username
        if c.params.get("userhash", "").lower() == "true":
            username = hash_fn(f"{self._username}:{realm}".encode())
        ha1 = hash_fn(f"{self._username}:{realm}:{self._password}".encode())
        if algorithm.endswith("-SESS"):
            ha1 = hash_fn(f"{ha1}:{nonce}:{self._cnonce}".encode())
        ha2 = hash_fn(f"{method}:{uri}".encode())
        qop = "auth" if "auth" in c.qop_options else None
        if qop:
            response = hash_fn(f"{ha1}:{nonce}:{nc}:{self._cnonce}:{qop}:{ha2}".encode())
        else:
            response = hash_fn(f"{ha1}:{nonce}:{ha2}".encode())
        parts = [
            f"username={_quote(username)}",
            f"realm={_quote(realm)}",
            f"nonce={_quote(nonce)}",
            f"uri={_quote(uri)}",
            f"response={_quote(response)}",
        ]
        if "algorithm" in c.params:
            parts.append(f"algorithm={c.params['algorithm'].strip()}")
        if qop:
            parts += [f"qop={qop}", f"nc={nc}", f"cnonce={_quote(self._cnonce)}"]
        if "opaque" in c.params:
            parts.append(f"opaque={_quote(c.params['opaque'])}")
        if c.params.get("userhash", "").lower() == "true":
            parts.append("userhash=true")
        return "Digest " + ", ".join(parts)
