"""Small favicons drawn in code, so personas never ship a vendor's artwork.

:func:`make_icon` returns a 16x16 32-bit Windows ICO: a rounded square in the given colour with a
light "lens" ring. The bytes depend only on the colours, so each persona's favicon has a stable
hash (but not the hash of the vendor's real icon: that is deliberate).
"""

from __future__ import annotations

import functools
import re
import struct

from camaudit.errors import LabError

_COLOUR = re.compile(r"^#([0-9A-Fa-f]{6})$")
SIZE = 16


def parse_colour(value: str) -> tuple[int, int, int]:
    """``#RRGGBB`` to an (r, g, b) tuple; raise LabError otherwise."""
    match = _COLOUR.match(value.strip())
    if match is None:
        raise LabError(f"icon colour must look like #RRGGBB, got {value!r}")
    raw = bytes.fromhex(match.group(1))
    return raw[0], raw[1], raw[2]


def _pixel(x: int, y: int, colour: tuple[int, int, int], ring: tuple[int, int, int]) -> bytes:
    corner = (x in (0, SIZE - 1)) and (y in (0, SIZE - 1))
    if corner:
        return b"\x00\x00\x00\x00"  # transparent corners: a rounded square
    dx, dy = x - 7.5, y - 7.5
    dist2 = dx * dx + dy * dy
    r, g, b = ring if 9.0 <= dist2 <= 20.0 else colour
    return bytes((b, g, r, 0xFF))  # BGRA


@functools.lru_cache(maxsize=64)
def make_icon(colour: str, ring: str = "#F2F2F2") -> bytes:
    """A 16x16 ICO image (about 1.1 KB) in ``colour`` with a ``ring`` circle."""
    fill = parse_colour(colour)
    ring_rgb = parse_colour(ring)
    rows = []
    for y in range(SIZE - 1, -1, -1):  # BMP rows are stored bottom-up
        rows.append(b"".join(_pixel(x, y, fill, ring_rgb) for x in range(SIZE)))
    pixels = b"".join(rows)
    and_mask = b"\x00\x00\x00\x00" * SIZE  # 16 bits per row, padded to 32: all opaque (alpha rules)
    header = struct.pack(
        "<IiiHHIIiiII", 40, SIZE, SIZE * 2, 1, 32, 0, len(pixels) + len(and_mask), 0, 0, 0, 0
    )
    image = header + pixels + and_mask
    icondir = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 6 + 16)
    return icondir + entry + image
