"""Device-supplied text made harmless where people read it.

A hostile device may put terminal escapes (``ESC[2J``), carriage returns, backspaces, NUL,
other C0/C1 controls or bidirectional overrides (U+202E) in its model, firmware or name.
:func:`visible` is the one place that decides which characters those are, for both places the
text ends up:

* pages (HTML, SVG; the default): each is shown as U+FFFD, tab and newline kept
  (markup escaping of ``<>&"`` stays the template engine's job);
* terminals (``terminal=True``): each, newline/tab/CR included, is shown escaped as ``\\x1b``,
  ``\\r``, ``\\u202e``, so a table cell stays one line and nothing is interpreted.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates
#: (U+202A-U+202E, U+2066-U+2069) that can reorder what a reader sees.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The same but tab and newline, which a page may hold (a bare CR could hide a line from `cat`).
_UNSAFE_IN_PAGE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, terminal: bool = False) -> str:
    """``text`` with its control and bidi-override characters made harmless: shown as U+FFFD
    (for a page), or escaped as ``\\x1b``/``\\u202e`` with ``terminal``."""
    if terminal:
        return _UNSAFE.sub(_escaped, text)
    return _UNSAFE_IN_PAGE.sub("\ufffd", text)
