"""Evidence as people paste it: the reply inside its presentation.

Device replies reach camaudit re-presented by the tool or page that showed them: ``curl -v``
prefixes every response line with ``< ``, nmap scripts with ``| ``, Markdown indents code, a
dissector prints each line end as a literal ``\\r\\n``, Python prints bytes as ``b'...\\r\\n...'``,
an HTML page escapes ``<`` as ``&lt;``, a JSON log keeps the reply in a string. :func:`unwrap`
undoes such a presentation when the whole text shows it; :func:`embedded` finds replies kept
in JSON string values. Both are pure, cheap on plain evidence (literal tests first) and never
raise.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, replace

from camaudit.models import Evidence, EvidenceKind

#: Lines curl -v writes around the response: request lines, connection info, TLS records.
_CURL_OTHER = ("> ", "* ", "{ ", "} ")
_ESCAPE = re.compile(r"\\(?:r\\n|n|r|t|\"|'|\\|x[0-9A-Fa-f]{2})")
_MIN_LINES = 2
_CURL_HEADER = re.compile(r"< [A-Za-z][A-Za-z0-9-]{0,63}: ")
#: Longest text unwrapped (characters); longer evidence is read as it is.
_MAX_TEXT = 256 * 1024
_MAX_EMBEDDED = 8


def _unescape(m: re.Match[str]) -> str:
    s = m.group(0)
    if s == "\\r\\n":
        return "\r\n"
    if s[1] == "x":
        return chr(int(s[2:], 16))
    return {"n": "\n", "r": "\r", "t": "\t"}.get(s[1], s[1])


def _escaped_lines(text: str) -> str | None:
    """Line breaks printed as escapes (a bytes repr, a dissector's ``\\r\\n``, a JSON log)."""
    body = text.strip()
    is_repr = body[:2] in ("b'", 'b"') and len(body) > 3 and body[-1] == body[1]
    escaped = text.count("\\n")
    if not is_repr and (escaped < _MIN_LINES or escaped <= text.count("\n") // 2):
        return None
    if is_repr:
        body = body[2:-1]
    plain = _ESCAPE.sub(_unescape, body)
    # A dissector prints "Server: x\r\n" and then a real line break: one break, not two.
    return plain.replace("\r\n\n", "\r\n")


def _html_escaped(text: str) -> str | None:
    """A reply shown in an HTML page (``&lt;tds:Model&gt;``, ``realm=&quot;x&quot;``, a
    printout's quotes as ``&#x27;`` or ``&#39;``)."""
    marks = sum(text.count(m) for m in _HTML_MARKS)
    if marks < 2 or text.count("<") > text.count("&lt;"):
        return None
    return html.unescape(text)


#: Entities that show an escaped reply: markup, and double or single quotes.
_HTML_MARKS = ("&lt;", "&quot;", "&#x27;", "&#39;", "&#34;", "&#x22;")


def _prefixed_lines(text: str) -> str | None:
    """Every line behind one tool's prefix: ``< `` (curl -v), ``| ``/``|_`` (nmap), ``> ``
    (a quoted reply), indentation."""
    lines = text.splitlines()
    filled = [ln for ln in lines if ln.strip()]
    if len(filled) == 1 and _CURL_HEADER.match(filled[0]):
        return filled[0][2:]  # one response header line as curl -v showed it
    if len(filled) < _MIN_LINES:
        return None
    responses = [ln for ln in filled if ln.startswith("<") and (ln == "<" or ln[1] == " ")]
    if len(responses) >= _MIN_LINES:
        # curl -v: the response's head is on "< " lines, its body on unprefixed ones.
        out = []
        for ln in lines:
            if ln.startswith("< ") or ln == "<":
                out.append(ln[2:])
            elif not ln.startswith(_CURL_OTHER) and ln not in (">", "*"):
                out.append(ln)
        return "\r\n".join(out).lstrip("\r\n")
    if all(ln.startswith(("| ", "|_", "|")) for ln in filled):
        return "\n".join(ln[2:] if ln.startswith(("| ", "|_")) else ln[1:] for ln in lines)
    if all(ln.startswith(">") for ln in filled):  # a quoted reply (e-mail, Markdown)
        return "\n".join(ln[2:] if ln.startswith("> ") else ln[1:] for ln in lines)
    indent = min(len(ln) - len(ln.lstrip(" \t")) for ln in filled)
    if indent >= 2:
        return "\n".join(ln[indent:] for ln in lines)
    return None


def unwrap(text: str) -> tuple[str, str] | None:
    """``(the reply, how it was shown)`` when all of ``text`` is one presentation of a reply
    (applied up to three times: a curl -v paste inside a code block); None for plain evidence."""
    if len(text) > _MAX_TEXT:
        return None
    how: list[str] = []
    for _ in range(3):
        found = None
        if ("\\n" in text or text.lstrip()[:2] in ("b'", 'b"')) and text.lstrip()[:1] not in (
            "{",
            "[",
        ):  # JSON documents: see embedded()
            found = _escaped_lines(text), "escaped line breaks"
        if (found is None or found[0] is None) and "&" in text:
            found = _html_escaped(text), "HTML-escaped"
        if found is None or found[0] is None:
            head = text.lstrip("\r\n")[:1]
            if head in ("<", "|", " ", "\t", "*", ">"):
                found = _prefixed_lines(text), "line prefixes"
        if found is None or found[0] is None or found[0] == text:
            break
        text = found[0]
        how.append(found[1])
    return (text, " and ".join(how)) if how else None


#: Keys under which scanners and logs keep what a service answered (zgrab2 ``banner``/``body``,
#: Shodan ``data``, a log's ``response``...): a value there is the reply however short.
_PAYLOAD_KEYS = frozenset(
    {
        "banner",
        "body",
        "content",
        "data",
        "output",
        "payload",
        "raw",
        "reply",
        "response",
        "result",
        "text",
    }
)
_PAYLOAD_LITERALS = tuple(f'"{k}"' for k in _PAYLOAD_KEYS)
#: Shortest reply kept under such a key (``MWS 0.01``).
_MIN_PAYLOAD = 3


def embedded(text: str) -> list[str]:
    """Replies kept as JSON string values (a log record, an API's ``response``/``banner``):
    strings of several lines, markup, a JSON document encoded again as a string, or any
    one-line value under a payload key (``{"ip": ..., "banner": "Dahua Rtsp Server"}``). At most
    a few, and only from a JSON document."""
    body = text.strip()
    if (
        body[:1] not in "[{"
        or len(body) > _MAX_TEXT
        or (
            "\\n" not in body
            and "<" not in body
            and '\\"' not in body
            and not any(k in body for k in _PAYLOAD_LITERALS)
        )
    ):
        return []
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return []
    out: list[str] = []
    stack: list[tuple[object, bool]] = [(doc, False)]
    while stack and len(out) < _MAX_EMBEDDED:
        node, under_payload = stack.pop()
        if isinstance(node, dict):
            stack.extend(
                (v, isinstance(k, str) and k.lower() in _PAYLOAD_KEYS) for k, v in node.items()
            )
        elif isinstance(node, list):
            stack.extend((v, under_payload) for v in node[:100])
        elif isinstance(node, str) and (
            (len(node) >= 20 and _reply_like(node))
            or (under_payload and len(node.strip()) >= _MIN_PAYLOAD and node.strip() != body)
        ):
            out.append(node)
    return out


def _reply_like(value: str) -> bool:
    """A string value that holds a reply: several lines, markup, a JSON document (perhaps
    cut short), or one header line of a challenge or a server (``WWW-Authenticate: Digest
    realm="..."``)."""
    if "\n" in value or value.startswith("<"):
        return True
    if value[:1] in ("{", "[") and '":' in value[:200]:
        return True
    return 'realm="' in value or value[:7].lower() == "server:"


#: Kinds whose payload is never a pasted presentation (binary replies, register cells, MACs).
_NOT_SHOWN = frozenset(
    {EvidenceKind.ASSET_ROW, EvidenceKind.MAC, EvidenceKind.SADP, EvidenceKind.DHIP}
)
_FIRST = frozenset(b"<|*> \t\r\n{[bB")


@dataclass(frozen=True, slots=True)
class Presented:
    """What :func:`presented` found: the reply itself (None: the evidence is read as it is)
    and how it was shown, and replies kept in JSON strings."""

    reply: Evidence | None
    how: str
    embedded: tuple[Evidence, ...]


def presented(evidence: Evidence) -> Presented | None:
    """The reply inside ``evidence`` if a tool or page re-presented it, else None."""
    payload = evidence.payload
    if evidence.kind in _NOT_SHOWN or not payload:
        return None
    if payload[0] not in _FIRST and b"\\n" not in payload and b"&" not in payload:
        return None  # most evidence: a reply as the device sent it
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = unwrap(text)
    reply = None
    how = ""
    if found is not None:
        text, how = found
        reply = replace(evidence, payload=text.encode("utf-8", "surrogatepass"))
    parts = tuple(
        Evidence(evidence.kind, part.encode("utf-8", "surrogatepass"), ip=evidence.ip)
        for part in embedded(text)
    )
    if reply is None and not parts:
        return None
    return Presented(reply, how, parts)
