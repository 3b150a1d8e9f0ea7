"""The batch memo for bare MAC addresses (an ARP or DHCP table's records).

A bare address (``90:02:a9:b2:82:e2``) is read by one path of the engine: the IEEE registry's
block that holds it and the locally-administered bit, nothing else (no rule reads the MAC kind,
and the content pass of a bare address does only the registry lookups). So two addresses of the
same block, bit, separator and letter case have the same identity but for the address itself and
the evidence hash. :class:`MacMemo` keys on those and writes the new address (as given and
normalised) and hash into the earlier line. Each entry is checked once when stored: the same
address with another last octet, identified afresh, must give the substituted line, or the entry
is never reused.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from camaudit.identify.batch_runs import SHIFT, cut_line, fill_line
from camaudit.identify.engine import Identifier
from camaudit.identify.extract.unwrap import presented
from camaudit.models import Evidence, EvidenceKind

#: An address with ``:`` or ``-`` between its octets (bare hex digits could be read as bytes).
_MAC_TEXT = re.compile(r"[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}")
_MEMO_SIZE = 20_000


class _Entry(NamedTuple):
    parts: tuple[str | int, ...]
    checked: bool


class MacMemo:
    """Identities of bare MAC addresses, shared within a registry block."""

    def __init__(self, identifier: Identifier) -> None:
        self.identifier = identifier
        self._memo: dict[tuple[object, ...], _Entry] = {}
        self.hits = 0
        self.misses = 0

    def json_line(self, ev: Evidence) -> str | None:
        """The address's JSON line (from the memo or afresh), or None if it is not a bare
        address this memo serves."""
        shaped = self._shape(ev)
        if shaped is None:
            return None
        key, texts = shaped
        found = self._memo.get(key)
        if found is not None and found.checked:
            self.hits += 1
            return fill_line(found.parts, ev.sha256, texts)
        self.misses += 1
        line = self.identifier.identify([ev]).to_json() + "\n"
        if found is None:
            entry = _Entry(cut_line(line, ev.sha256, texts), checked=False)
            entry = entry._replace(checked=self._check(ev, texts, entry))
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = entry
        return line

    def _shape(self, ev: Evidence) -> tuple[tuple[object, ...], tuple[str, ...]] | None:
        if ev.kind is not EvidenceKind.MAC or ev.mac is not None or ev.truncated:
            return None
        if len(ev.payload) != 17:
            return None
        try:
            text = ev.payload.decode("ascii")
        except UnicodeDecodeError:
            return None
        m = _MAC_TEXT.fullmatch(text)
        if m is None or presented(ev) is not None:
            return None
        lower, upper = text.lower(), text.upper()
        case = "lower" if text == lower else "upper" if text == upper else None
        if case is None:
            return None
        norm = lower.replace("-", ":")
        oui = self.identifier.resolver.oui
        hit = oui.lookup(norm) if oui is not None else None
        block = (hit.prefix, hit.registrant) if hit else None
        local = bool(int(text[:2], 16) & 0x02)
        texts = (norm,) if text == norm else (norm, text)
        return (m.group(1), case, block, local), texts

    def _check(self, ev: Evidence, texts: tuple[str, ...], entry: _Entry) -> bool:
        """Whether the entry gives what the engine gives for another last octet."""
        raw = texts[-1]
        moved = raw[:-2] + raw[-2:].translate(SHIFT)
        probe = Evidence(EvidenceKind.MAC, moved.encode("ascii"))
        shaped = self._shape(probe)
        if shaped is None or len(shaped[1]) != len(texts):
            return False
        fresh = self.identifier.identify([probe]).to_json() + "\n"
        return fresh == fill_line(entry.parts, probe.sha256, shaped[1])
