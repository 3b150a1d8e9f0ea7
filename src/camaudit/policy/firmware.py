"""Firmware version strings parsed per vendor, so ranges compare the way the vendor numbers them.

Three schemes:

- ``hikvision``: ``V5.5.0 build 170914`` (also ``V5.5.0build 170914``, ``V5.4.0 Build 160401``,
  ``5.4.6_180112``, ``V5.7.18``, ``V2.3.8-8``): version numbers plus a build date (YYMMDD).
- ``dahua``: ``2.800.0000000.16.R, Build Date: 2021-02-25``, ``2.420.Dahua 00.14.R, build:
  2016-06-18``, ``2.400.0.8``: a branch (``2.800``), a revision, and a build date when given.
- ``dotted``: everything else with a leading dotted number (Axis ``9.80.3.1``, ``10.11.87``,
  ``2.21.02_20211014_R251``, ``V2.3.8-8``); a build date is picked up when one is embedded.

Firmware that none of them reads is *unknown*: :func:`parse_firmware` returns ``None`` and no
range claim is made about it. Parsing is bounded (input capped, no nested quantifiers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

#: Longest firmware string looked at (longer input is cut, never scanned in full).
MAX_FIRMWARE = 200

_HIK_RE = re.compile(
    r"^[Vv]?(\d{1,2})\.(\d{1,3})(?:\.(\d{1,4}))?(?:[.-](\d{1,4}))?"
    r"\s{0,3}(?:(?:,\s{0,3})?[Bb]uild\s{0,3}:?\s{0,3}|_)?(\d{6})?$"
)
_DAHUA_RE = re.compile(
    r"^[Vv]?(\d{1,2})\.(\d{3})\.([0-9A-Za-z]{1,16}(?: [0-9A-Za-z]{1,8})?)\.(\d{1,3})(?:\.([RTB]))?"
    r"\s{0,3}(?:,\s{0,3}[Bb]uild(?:\s{0,3}[Dd]ate)?\s{0,3}:?\s{0,3}(\d{4})-(\d{1,2})-(\d{1,2}))?$"
)
_DOTTED_RE = re.compile(r"^[Vv]?(\d{1,5}(?:\.\d{1,7}){1,5})(?:[-_](\d{1,4})(?!\d))?")
_ISO_DATE_RE = re.compile(r"(?<!\d)(20\d\d)-?([01]\d)-?([0-3]\d)(?!\d)")
_BUILD6_RE = re.compile(r"[Bb]uild\s{0,3}:?\s{0,3}(\d{6})(?!\d)")


class FirmwareScheme(StrEnum):
    """How a vendor numbers its firmware."""

    HIKVISION = "hikvision"
    DAHUA = "dahua"
    DOTTED = "dotted"


@dataclass(frozen=True, slots=True)
class FirmwareVersion:
    """A parsed firmware string: version numbers, build date and (Dahua) branch."""

    raw: str
    scheme: FirmwareScheme
    numbers: tuple[int, ...]
    build: date | None = None
    branch: str | None = None

    def compare(self, other: FirmwareVersion) -> int | None:
        """-1, 0 or 1 like ``cmp``; ``None`` when the two cannot be ordered (other scheme).

        Version numbers decide first (missing trailing numbers count as 0); equal numbers are
        ordered by build date when both have one, else they compare equal.
        """
        if self.scheme is not other.scheme:
            return None
        width = max(len(self.numbers), len(other.numbers))
        mine = self.numbers + (0,) * (width - len(self.numbers))
        theirs = other.numbers + (0,) * (width - len(other.numbers))
        if mine != theirs:
            return -1 if mine < theirs else 1
        if self.build is not None and other.build is not None and self.build != other.build:
            return -1 if self.build < other.build else 1
        return 0

    def describe(self) -> str:
        """Human-readable summary, e.g. ``5.5.0 built 2017-09-14 (hikvision)``."""
        text = ".".join(str(n) for n in self.numbers)
        if self.branch:
            text = f"branch {self.branch}, {text}"
        if self.build:
            text += f" built {self.build.isoformat()}"
        return f"{text} ({self.scheme.value})"


def scheme_for(manufacturer: str | None) -> FirmwareScheme:
    """The numbering scheme of a maker's firmware (canonical KB names)."""
    if manufacturer == "Hikvision":
        return FirmwareScheme.HIKVISION
    if manufacturer == "Dahua":
        return FirmwareScheme.DAHUA
    return FirmwareScheme.DOTTED


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_hikvision(text: str) -> FirmwareVersion | None:
    m = _HIK_RE.match(text)
    if not m:
        return None
    numbers = tuple(int(g) for g in m.group(1, 2, 3, 4) if g is not None)
    build = None
    if m.group(5):
        ymd = m.group(5)
        build = _date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
    return FirmwareVersion(text, FirmwareScheme.HIKVISION, numbers, build)


def _parse_dahua(text: str) -> FirmwareVersion | None:
    m = _DAHUA_RE.match(text)
    if not m:
        return None
    major, minor, rev = int(m.group(1)), int(m.group(2)), int(m.group(4))
    build = None
    if m.group(6):
        build = _date(int(m.group(6)), int(m.group(7)), int(m.group(8)))
    return FirmwareVersion(
        text, FirmwareScheme.DAHUA, (major, minor, rev), build, f"{major}.{m.group(2)}"
    )


def _parse_dotted(text: str) -> FirmwareVersion | None:
    m = _DOTTED_RE.match(text)
    if not m:
        return None
    numbers = tuple(int(p) for p in m.group(1).split("."))
    if m.group(2):
        numbers += (int(m.group(2)),)
    build = None
    rest = text[m.end() :]
    d = _ISO_DATE_RE.search(rest)
    if d:
        build = _date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
    else:
        b = _BUILD6_RE.search(rest)
        if b:
            ymd = b.group(1)
            build = _date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
    return FirmwareVersion(text, FirmwareScheme.DOTTED, numbers, build)


_PARSERS = {
    FirmwareScheme.HIKVISION: _parse_hikvision,
    FirmwareScheme.DAHUA: _parse_dahua,
    FirmwareScheme.DOTTED: _parse_dotted,
}


def parse_firmware(
    raw: str | None, manufacturer: str | None = None, *, scheme: FirmwareScheme | None = None
) -> FirmwareVersion | None:
    """Parse ``raw`` in the scheme of ``manufacturer`` (or ``scheme``); ``None`` = unknown.

    A maker-specific string that does not fit its scheme falls back to ``dotted`` (so it still
    has an order among itself, but does not compare with the maker's own ranges).
    """
    if raw is None:
        return None
    text = " ".join(raw[:MAX_FIRMWARE].split())
    if not text:
        return None
    chosen = scheme or scheme_for(manufacturer)
    found = _PARSERS[chosen](text)
    if found is None and chosen is not FirmwareScheme.DOTTED and scheme is None:
        found = _parse_dotted(text)
    return found
