"""Credentials the user supplied for a scope: the only ones any probe may ever use.

A credentials file is YAML: a list of entries (or ``{credentials: [...]}``), each::

    - scope: 10.1.20.0/24          # CIDR, address, range (10.1.20.5-9) or a list of them
      site: Town Hall              # optional: only for scans of this site
      username: audit
      password: "..."              # or password_env: NAME_OF_ENVIRONMENT_VARIABLE
      protocols: [onvif, isapi]    # optional: limit to these probes (default: all)

Secrets never show in ``repr``/``str``, logs, errors or evidence: :class:`Secret` hides its value,
errors name the entry (number, site) and the key, never a value, and :func:`scrub` removes a
password and any ``Authorization`` header from bytes before they are recorded.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from camaudit.errors import InputError, ScopeError
from camaudit.net.scope import IPNetwork, parse_target

#: Probe names a credential may be limited to.
KNOWN_PROTOCOLS = frozenset({"onvif", "isapi", "dahua_http"})
#: Largest credentials file read.
MAX_FILE_BYTES = 1 << 20
_KEYS = frozenset({"scope", "site", "username", "password", "password_env", "protocols"})
_REDACTED = "<redacted>"
#: Passwords shorter than this are not searched for in recorded bytes (too many false hits).
MIN_SCRUB_LENGTH = 4
Fail = Callable[[str], NoReturn]
_AUTH_LINE = re.compile(rb"(?im)^[ \t]*(?:proxy-)?authorization[ \t]*:[^\r\n]*(?:\r?\n)?")
_WSSE_BLOCK = re.compile(
    rb"(?is)<(?:[\w.-]{1,32}:)?Security\b.{0,65536}?</(?:[\w.-]{1,32}:)?Security\s*>"
)


class Secret:
    """A string that does not print itself. ``reveal()`` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_REDACTED!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True, repr=False)
class Credential:
    """One entry of a credentials file. Neither the user name nor the password is ever shown."""

    entry: int
    networks: tuple[IPNetwork, ...]
    username: Secret
    password: Secret
    site: str | None = None
    protocols: frozenset[str] | None = None

    def __repr__(self) -> str:
        site = f", site={self.site!r}" if self.site else ""
        protos = f", protocols={sorted(self.protocols)}" if self.protocols else ""
        return f"Credential(entry={self.entry}{site}{protos}, username={_REDACTED}, password={_REDACTED})"

    __str__ = __repr__

    def covers(self, ip: str, protocol: str, site: str | None = None) -> bool:
        if self.protocols is not None and protocol not in self.protocols:
            return False
        if site is not None and self.site is not None and site.casefold() != self.site.casefold():
            return False
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr.version == n.version and addr in n for n in self.networks)

    @property
    def specificity(self) -> int:
        """Size of the smallest network of this entry (smaller is more specific)."""
        return min(n.num_addresses for n in self.networks)


class CredentialStore:
    """Credentials by scope. ``for_address`` picks the most specific entry, then file order."""

    def __init__(self, credentials: Sequence[Credential] = ()) -> None:
        self._credentials = tuple(credentials)

    def __repr__(self) -> str:
        return f"CredentialStore({len(self._credentials)} entries)"

    def __len__(self) -> int:
        return len(self._credentials)

    def __bool__(self) -> bool:
        return bool(self._credentials)

    @classmethod
    def load(cls, path: str | Path) -> CredentialStore:
        """Read a credentials file; any problem is an :class:`InputError` naming the entry."""
        p = Path(path)
        try:
            with p.open("rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read credentials file {p}: {exc.strerror or exc}") from None
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(f"credentials file {p} is larger than {MAX_FILE_BYTES} bytes")
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise InputError(f"credentials file {p} is not valid YAML{where}") from None
        return cls.from_data(data, source=str(p))

    @classmethod
    def from_data(
        cls, data: Any, *, source: str = "credentials", environ: Mapping[str, str] | None = None
    ) -> CredentialStore:
        """Build from parsed YAML (a list of entries, or a mapping with ``credentials``)."""
        if isinstance(data, dict) and set(data) == {"credentials"}:
            data = data["credentials"]
        if data is None:
            data = []
        if not isinstance(data, list):
            raise InputError(f"{source}: expected a list of credential entries")
        env = os.environ if environ is None else environ
        return cls([_entry(i, item, source, env) for i, item in enumerate(data, 1)])

    def for_address(self, ip: str, protocol: str, site: str | None = None) -> Credential | None:
        """The credential for ``ip`` and ``protocol`` (and ``site``, when the scan names one)."""
        matches = [c for c in self._credentials if c.covers(ip, protocol, site)]
        if not matches:
            return None
        return min(matches, key=lambda c: (c.specificity, c.entry))


def _entry(index: int, item: Any, source: str, env: Mapping[str, str]) -> Credential:
    site = item.get("site") if isinstance(item, dict) else None
    label = f"{source}: entry {index}" + (f" (site {site!r})" if isinstance(site, str) else "")

    def fail(message: str) -> NoReturn:
        raise InputError(f"{label}: {message}")

    if not isinstance(item, dict):
        fail("expected a mapping with scope, username and password")
    unknown = sorted(str(k) for k in item if k not in _KEYS)
    if unknown:
        fail(f"unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    if site is not None and (not isinstance(site, str) or not site.strip()):
        fail("site must be a non-empty string")
    networks = _networks(item.get("scope"), fail)
    username = item.get("username")
    if not isinstance(username, str) or not username:
        fail("username must be a non-empty string")
    password = _password(item, env, fail)
    protocols = item.get("protocols")
    protos: frozenset[str] | None = None
    if protocols is not None:
        if not isinstance(protocols, list) or not all(isinstance(p, str) for p in protocols):
            fail("protocols must be a list of names")
        bad = sorted(p for p in protocols if p not in KNOWN_PROTOCOLS)
        if bad:
            fail(f"unknown protocol(s) {bad}; choose from {sorted(KNOWN_PROTOCOLS)}")
        protos = frozenset(protocols)
    return Credential(
        index,
        networks,
        Secret(username),
        Secret(password),
        site.strip() if isinstance(site, str) else None,
        protos,
    )


def _networks(scope: Any, fail: Fail) -> tuple[IPNetwork, ...]:
    targets: Iterable[Any]
    if isinstance(scope, str):
        targets = [scope]
    elif isinstance(scope, list) and scope:
        targets = scope
    else:
        fail("scope must be an address, CIDR block, range, or a non-empty list of them")
    nets: list[IPNetwork] = []
    for target in targets:
        if not isinstance(target, str):
            fail("each scope item must be a string")
        try:
            nets.extend(parse_target(target))
        except ScopeError as exc:
            fail(f"bad scope: {exc}")
    return tuple(nets)


def _password(item: Mapping[str, Any], env: Mapping[str, str], fail: Fail) -> str:
    has_plain, has_env = "password" in item, "password_env" in item
    if has_plain == has_env:
        fail("give exactly one of password or password_env")
    if has_plain:
        password = item["password"]
        if not isinstance(password, str):
            fail("password must be a string (quote it in YAML)")
        return str(password)
    name = item["password_env"]
    if not isinstance(name, str) or not name:
        fail("password_env must name an environment variable")
    if name not in env:
        fail(f"environment variable {name} (password_env) is not set")
    return env[name]


def scrub(payload: bytes, credential: Credential | None) -> bytes:
    """``payload`` without ``Authorization`` lines, WS-Security headers or the password."""
    out = _AUTH_LINE.sub(b"", payload)
    out = _WSSE_BLOCK.sub(b"<!-- security header removed -->", out)
    if credential is not None:
        secret = credential.password.reveal()
        if len(secret) >= MIN_SCRUB_LENGTH:
            out = out.replace(secret.encode("utf-8"), b"<redacted>")
    return out
