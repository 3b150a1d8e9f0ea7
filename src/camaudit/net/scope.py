"""Scope: the set of addresses a scan may touch — the targets minus the exclusions.

Every probe asks the scope before it sends anything. Targets are IPv4/IPv6 addresses, CIDR blocks
(``127.20.0.0/24``) and last-octet ranges (``127.20.0.10-20``). Host names are refused: resolving
them would send DNS traffic and could silently widen the scope.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from camaudit.errors import ScopeError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Largest scope accepted without ``max_hosts`` raised explicitly (a /12).
DEFAULT_MAX_HOSTS = 1 << 20
_RANGE = re.compile(r"^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})-(\d{1,3})$")


def parse_target(text: str) -> list[IPNetwork]:
    """Networks named by one target string, or a :class:`ScopeError` saying what is wrong."""
    t = text.strip()
    if not t:
        raise ScopeError("empty target")
    m = _RANGE.match(t)
    if m:
        lo, hi = int(m.group(2)), int(m.group(3))
        if not (0 <= lo <= hi <= 255):
            raise ScopeError(f"bad address range {t!r}: expected e.g. 127.20.0.10-20")
        try:
            first = ipaddress.IPv4Address(m.group(1) + str(lo))
            last = ipaddress.IPv4Address(m.group(1) + str(hi))
        except ValueError:
            raise ScopeError(f"bad address range {t!r}") from None
        return list(ipaddress.summarize_address_range(first, last))
    try:
        return [ipaddress.ip_network(t, strict=False)]
    except ValueError:
        pass
    raise ScopeError(
        f"cannot parse target {t!r}: expected an IP address, a CIDR block (127.20.0.0/24) "
        "or a range (127.20.0.10-20); host names are not accepted"
    )


def _collapse(nets: list[IPNetwork]) -> tuple[IPNetwork, ...]:
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    return (*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6))


@dataclass(frozen=True)
class Scope:
    """Targets minus exclusions. ``in`` tests membership; iteration yields every address once.

    Like nmap, a CIDR block includes its network and broadcast addresses.
    """

    include: tuple[IPNetwork, ...]
    exclude: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(
        cls,
        targets: Iterable[str],
        exclude: Iterable[str] = (),
        *,
        max_hosts: int = DEFAULT_MAX_HOSTS,
    ) -> Scope:
        inc = [n for t in targets for n in parse_target(t)]
        if not inc:
            raise ScopeError("no targets given")
        exc = [n for t in exclude for n in parse_target(t)]
        scope = cls(_collapse(inc), tuple(exc))
        total = sum(n.num_addresses for n in scope.include)
        if total > max_hosts:
            raise ScopeError(
                f"scope has {total} addresses, more than the limit of {max_hosts}; "
                "narrow the targets"
            )
        return scope

    def __contains__(self, addr: object) -> bool:
        # Every send asks; a scan asks about the same few thousand addresses over and over.
        return _member(self, str(addr))

    def __iter__(self) -> Iterator[str]:
        # Included networks are collapsed, hence disjoint: each host appears once.
        for net in self.include:
            for ip in net:
                if not any(ip in n for n in self.exclude if n.version == ip.version):
                    yield str(ip)

    def check(self, addr: str) -> None:
        """Raise :class:`ScopeError` unless ``addr`` is in scope (the guard before every send)."""
        if addr not in self:
            raise ScopeError(f"refusing to contact {addr}: outside the scan scope")

    def __len__(self) -> int:
        return sum(1 for _ in self)


@lru_cache(maxsize=1 << 16)
def _member(scope: Scope, addr: str) -> bool:
    """Whether ``addr`` is in ``scope`` (memoised: scopes are immutable)."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if any(ip in n for n in scope.exclude if n.version == ip.version):
        return False
    return any(ip in n for n in scope.include if n.version == ip.version)


def covering_block(addresses: Iterable[str]) -> str:
    """The smallest IPv4 CIDR block that holds every address (e.g. a lab fleet's)."""
    nums = [int(ipaddress.IPv4Address(a)) for a in addresses]
    if not nums:
        raise ScopeError("no addresses to cover")
    lo, hi = min(nums), max(nums)
    prefix = 32
    while prefix > 0 and (lo >> (32 - prefix)) != (hi >> (32 - prefix)):
        prefix -= 1
    return str(ipaddress.IPv4Network((lo, prefix), strict=False))
