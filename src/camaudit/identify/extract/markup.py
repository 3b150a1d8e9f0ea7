"""Lenient XML/HTML reading for device documents (SADP, ISAPI, ONVIF, UPnP, SOAP).

Device XML is untrusted. After a size cap, leaf values are read by a bounded scan of
``<tag>text</tag>`` pairs (no parser, so no entity expansion and no external references, and a
cut-off capture still yields its fields); documents the scan cannot read go through defusedxml.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from camaudit.identify.extract.decoding import strip_encoding_declaration
from camaudit.identify.extract.fields import Fields, Wanted

MAX_XML = 256 * 1024
_MAX_LEAVES = 2000
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_PAIR_RE = re.compile(r"<(?:[\w.-]+:)?([A-Za-z_][\w.-]{0,63})(?:\s[^<>]{0,512})?>([^<>]{0,4096})</")


def _local(tag: str) -> str:
    if "}" in tag:
        tag = tag.rsplit("}", 1)[1]
    if ":" in tag:
        tag = tag.rsplit(":", 1)[1]
    return tag.lower()


def _walk(elem: Element, out: list[tuple[str, str]]) -> None:
    stack = [elem]
    while stack and len(out) < _MAX_LEAVES:
        node = stack.pop()
        children = list(node)
        if not children:
            text = (node.text or "").strip()
            if text:
                out.append((_local(str(node.tag)), text))
        else:
            stack.extend(reversed(children))


def _named_values(found: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(lower-cased name, value)`` of each value that is not blank once unescaped, bounded."""
    out: list[tuple[str, str]] = []
    for name, value in found:
        if "&" in value:
            value = html.unescape(value)
        value = value.strip()
        if value:
            out.append((name.lower(), value))
            if len(out) >= _MAX_LEAVES:
                break
    return out


def _scan_pairs(doc: str) -> list[tuple[str, str]]:
    return _named_values((m.group(1), m.group(2)) for m in _PAIR_RE.finditer(doc))


def xml_leaves(text: str) -> list[tuple[str, str]]:
    """``(local-name, text)`` for each leaf element with text, document order (never raises).

    The fast path is a bounded scan for ``<tag>text</`` pairs: no XML parser runs, so nothing
    is expanded or fetched, and truncated documents still yield their complete leaves. Only a
    document where the scan finds nothing (e.g. CDATA) goes through defusedxml.
    """
    doc = text[:MAX_XML]
    out = _scan_pairs(doc)
    if out or "<" not in doc:
        return out
    try:
        root = safe_et.fromstring(strip_encoding_declaration(doc).encode("utf-8", errors="replace"))
    except (ParseError, DefusedXmlException, ValueError, LookupError, RecursionError):
        return out
    _walk(root, out)
    return out


_ATTR_RE = re.compile(
    r"""(?<=[\s<])(?:[\w.-]+:)?([A-Za-z_][\w.-]{0,63})\s*=\s*(?:"([^"<>]{0,200})"|'([^'<>]{0,200})')"""
)


def xml_attributes(text: str) -> list[tuple[str, str]]:
    """``(local-name, value)`` of the attributes written in ``text``'s tags
    (``<device manufacturer="X" model="Y"/>``), document order, bounded (never raises)."""
    return _named_values(
        (m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTR_RE.finditer(text[:MAX_XML])
    )


def extract_xml(text: str, wanted: Wanted = None) -> Fields:
    """Every XML leaf by lower-cased local name (the fields of sadp/isapi/onvif/upnp)."""
    fields = Fields()
    for name, value in xml_leaves(text):
        fields.add(name, value)
    return fields


def extract_title(text: str) -> str | None:
    """The text of the first HTML ``<title>``, unescaped and whitespace-folded."""
    m = _TITLE_RE.search(text[:MAX_XML])
    if not m:
        return None
    title = " ".join(html.unescape(m.group(1)).split())
    return title or None
