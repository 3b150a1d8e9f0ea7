"""MAC address → IEEE registrant, from the registry files already on the machine.

Sources, read at first use (no network): netaddr's bundled IEEE MA-L ``oui.txt`` and, when present,
Wireshark's ``manuf`` file (which adds MA-M /28 and MA-S /36 blocks). The registry's provenance
(file and date) is kept in :attr:`OuiIndex.source` for evidence chains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

WIRESHARK_MANUF = Path("/usr/share/wireshark/manuf")
_OUI_LINE = re.compile(
    r"^([0-9A-F]{2}-[0-9A-F]{2}-[0-9A-F]{2})[ \t]+\(hex\)[ \t]+(.+?)[ \t\r]*$", re.MULTILINE
)
_MANUF_LINE = re.compile(r"^([0-9A-Fa-f:.\-]+)(?:/(\d+))?\s+(\S+)(?:\s+(.+?))?\s*$")


@dataclass(frozen=True, slots=True)
class OuiMatch:
    prefix: str
    registrant: str


@dataclass(slots=True)
class OuiIndex:
    """Prefix tables by length in hex digits (6 = MA-L, 7 = MA-M, 9 = MA-S)."""

    tables: dict[int, dict[str, str]]
    source: str

    def lookup(self, mac: str) -> OuiMatch | None:
        digits = re.sub(r"[^0-9A-Fa-f]", "", mac).upper()
        if len(digits) < 6:
            return None
        for length in (9, 7, 6):
            table = self.tables.get(length)
            if table is None or len(digits) < length:
                continue
            name = table.get(digits[:length])
            if name is not None:
                return OuiMatch(digits[:length], name)
        return None

    def with_blocks(self, blocks: dict[str, str], label: str) -> OuiIndex:
        """This index plus MA-L ``blocks`` (prefix -> registrant) it does not hold; the
        registry's own entries win."""
        if not blocks:
            return self
        tables = dict(self.tables)
        tables[6] = {**blocks, **self.tables.get(6, {})}
        added = len(tables[6]) - len(self.tables.get(6, {}))
        return OuiIndex(tables, f"{self.source}; {added} newer MA-L blocks from {label}")


def is_locally_administered(mac: str) -> bool:
    """True for locally administered (often randomised) MACs, which carry no vendor."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", mac)
    return len(digits) >= 2 and bool(int(digits[:2], 16) & 0x02)


def _netaddr_oui() -> Path | None:
    try:
        import netaddr.eui
    except ImportError:  # pragma: no cover - netaddr is a dependency
        return None
    path = Path(netaddr.eui.__file__).parent / "oui.txt"
    return path if path.exists() else None


def _read_ieee(path: Path, table: dict[str, str]) -> None:
    # One pass over the whole file: only one line in six of the registry is a block's.
    text = path.read_text(encoding="utf-8", errors="replace")
    for m in _OUI_LINE.finditer(text):
        table[m.group(1).replace("-", "")] = m.group(2)


def _read_manuf(path: Path, tables: dict[int, dict[str, str]]) -> None:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            m = _MANUF_LINE.match(line.rstrip("\n"))
            if not m:
                continue
            digits = re.sub(r"[^0-9A-Fa-f]", "", m.group(1)).upper()
            bits = int(m.group(2)) if m.group(2) else 24
            length = {24: 6, 28: 7, 36: 9}.get(bits)
            if length is None:
                continue
            name = m.group(4) or m.group(3)
            tables.setdefault(length, {}).setdefault(digits[:length], name)


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()


@lru_cache(maxsize=1)
def load_oui_index() -> OuiIndex:
    """Build (once per process) the prefix index from the registry files on this machine."""
    tables: dict[int, dict[str, str]] = {6: {}}
    sources = []
    path = _netaddr_oui()
    if path is not None:
        _read_ieee(path, tables[6])
        import netaddr

        sources.append(f"IEEE MA-L via netaddr {netaddr.__version__} ({_mtime(path)})")
    if WIRESHARK_MANUF.exists():
        _read_manuf(WIRESHARK_MANUF, tables)
        sources.append(f"Wireshark manuf ({_mtime(WIRESHARK_MANUF)})")
    return OuiIndex(tables, "; ".join(sources) or "no OUI registry found")
