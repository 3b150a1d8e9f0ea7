"""Bytes to text for untrusted documents, without trusting what the document says of itself.

A device (or a hostile one) may declare any encoding in its XML declaration, including names
Python does not know or codecs that expand or misbehave. The declared name is resolved against a
short allow-list; anything else falls back to UTF-8 (or Latin-1 when the bytes are not UTF-8),
with a note saying so.
"""

from __future__ import annotations

import codecs
import re

#: Encodings a device document may use, by normalised name → Python codec.
ALLOWED_ENCODINGS: dict[str, str] = {
    "utf8": "utf-8",
    "utf16": "utf-16",
    "utf16le": "utf-16-le",
    "utf16be": "utf-16-be",
    "usascii": "ascii",
    "ascii": "ascii",
    "iso88591": "latin-1",
    "latin1": "latin-1",
    "iso885915": "iso8859-15",
    "windows1252": "cp1252",
    "cp1252": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5",
    "shiftjis": "shift_jis",
    "sjis": "shift_jis",
    "eucjp": "euc_jp",
    "euckr": "euc_kr",
}
_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([^"']{0,40})["']""")
_TEXT_DECL_RE = re.compile(r"""^(\s*<\?xml[^>]{0,200}?)encoding\s*=\s*["'][^"']{0,40}["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_BOM_STARTS = frozenset({b"\xef", b"\xff", b"\xfe"})
_DECL_STARTS = frozenset({b"<", b" ", b"\t", b"\r", b"\n"})


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_encoding(name: str) -> str | None:
    """The Python codec for a declared encoding name, or None when it is not allowed."""
    return ALLOWED_ENCODINGS.get(_normalise(name))


def decode_payload(payload: bytes) -> tuple[str, str | None]:
    """Text of ``payload`` and a note when its declared encoding was not used.

    A byte-order mark wins; then an XML declaration's encoding if allowed; otherwise UTF-8 with
    undecodable bytes replaced. Never raises.
    """
    first = payload[:1]
    if first in _BOM_STARTS:
        for bom, codec in _BOMS:
            if payload.startswith(bom):
                return payload[len(bom) :].decode(codec, errors="replace"), None
    elif first in _DECL_STARTS:
        m = _DECL_RE.match(payload)
        if m:
            declared = m.group(1).decode("ascii", errors="replace")
            allowed = resolve_encoding(declared)
            if allowed is None:
                return payload.decode("utf-8", errors="replace"), (
                    f"declared encoding {declared[:40]!r} is not an allowed XML encoding: "
                    "read as UTF-8"
                )
            if allowed not in ("utf-8", "ascii"):
                return payload.decode(allowed, errors="replace"), None
    return payload.decode("utf-8", errors="replace"), None


def strip_encoding_declaration(doc: str) -> str:
    """``doc`` without the encoding pseudo-attribute of its XML declaration.

    Used before handing already-decoded text to an XML parser as UTF-8 bytes, so the parser
    never looks up a codec named by the document.
    """
    return _TEXT_DECL_RE.sub(r"\1", doc, count=1)
