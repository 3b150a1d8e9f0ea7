"""What the bytes are, whatever the record's ``kind`` says.

A declared kind is a hint from whoever captured the evidence; it is often generic (``http`` for a
SOAP reply, ``banner`` for a JSON dump) or wrong. :func:`sniff` looks at the content with literal
tests only (no regular expression runs unless a literal says it may fit) and returns:

- ``kinds``: protocol kinds the content *is* (an HTTP or RTSP response, an ONVIF device reply, a
  WS-Discovery match or any text carrying ONVIF scope URIs, ISAPI/SADP/UPnP XML, a DHIP reply,
  Dahua ``table.`` config lines, a certificate, an FTP/SSH banner): their extractors and rules
  apply to it as well as the declared kind's;
- ``formats``: structures the generic field extractor can read (``json``, ``xml``, ``html``,
  ``kv`` lines, ``printout`` — ``Key: value`` lines, Python/Go/JS object dumps —, ``sdp``).

Never raises; cost is a few substring tests on the first 16 KiB.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from camaudit.models import EvidenceKind

_HEAD = 16 * 1024
_FTP_CODES = ("220 ", "220-", "230 ", "230-", "530 ", "421 ")
_DAHUA_TABLE = re.compile(r"(?m)^\s*table\.[a-z]\w*\.")
#: A certificate's distinguished name as tools print it (``CN=x, O=y``, ``/C=CN/O=y``), lower-cased.
_DN = re.compile(
    r"(?:^|[\s,/:])(?:cn|o|ou|c|st|l) ?= ?[^,/\n=]{1,128}[,/] ?(?:cn|o|ou|c|st|l|emailaddress) ?="
)
_KV_LINE = re.compile(r"(?m)^[ \t]*[A-Za-z_][\w.\[\]-]{0,63}[ \t]*=[ \t]*\S")
_COLON_PAIR = re.compile(
    r"""(?m)(?:^|[{,(\s])(?:[ub]?["'])?[A-Za-z_][\w -]{0,40}["']?[ \t]*[:=][ \t]*\S"""
)
#: Lower-case words whose presence lets the printout scanner run (the keys it maps).
FIELD_WORDS = (
    "manufact",
    "vendor",
    "brand",
    "make",
    "model",
    "firmware",
    "software",
    "version",
    "serial",
    "mac",
    "addr",
    "hardware",
    "type",
    "name",
    "hersteller",
    "fabric",
    "marca",
    "marque",
    "modell",
    "modèle",
    "modelo",
    "厂",
    "型号",
    "品牌",
    "序列号",
    "版本",
    "sn",
)


class Sniffed(NamedTuple):
    """What :func:`sniff` recognised (each tuple in a fixed order, no duplicates)."""

    kinds: tuple[EvidenceKind, ...] = ()
    formats: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Short description for evidence chains, e.g. ``onvif_devinfo+xml``."""
        return "+".join([k.value for k in self.kinds] + list(self.formats)) or "text"


_EMPTY = Sniffed()
#: What :func:`sniff` returns (these very objects) for an HTTP or RTSP message with no body.
HTTP_HEADERS = _HTTP = Sniffed((EvidenceKind.HTTP,))
RTSP_HEADERS = _RTSP = Sniffed((EvidenceKind.RTSP,))
#: Results are few distinct values: share them (no allocation per record).
_RESULTS: dict[tuple[tuple[EvidenceKind, ...], tuple[str, ...]], Sniffed] = {}


def _result(kinds: list[EvidenceKind], formats: list[str] | tuple[str, ...]) -> Sniffed:
    key = (tuple(dict.fromkeys(kinds)), tuple(formats))
    found = _RESULTS.get(key)
    if found is None:
        found = _RESULTS.setdefault(key, Sniffed(*key))
    return found


def sniff(text: str, payload_head: bytes = b"") -> Sniffed:
    """Recognise the content of ``text`` (the decoded payload); ``payload_head``: first raw bytes
    (a DER certificate cannot be seen in decoded text)."""
    try:
        return _sniff(text, payload_head)
    except (ValueError, RecursionError, OverflowError):  # pragma: no cover - defensive
        return _EMPTY


def _sniff(text: str, payload_head: bytes) -> Sniffed:
    head = text[:_HEAD]
    stripped = head.lstrip("\ufeff \t\r\n\x00")
    if not stripped:
        return _EMPTY
    low = stripped.lower()
    kinds: list[EvidenceKind] = []
    formats: list[str] = []
    body = low
    if low.startswith(("http/", "rtsp/")):
        message = _HTTP if low[0] == "h" else _RTSP
        body = _body(low)
        if not body:  # headers only (the commonest capture): nothing else to look for
            if message is _HTTP and "\nusn:" in low:  # an SSDP reply: UPnP discovery
                return _result([EvidenceKind.HTTP, EvidenceKind.UPNP], ())
            return message
        kinds.append(message.kinds[0])
    elif low.startswith(_FTP_CODES) or low.startswith("ssh-"):
        kinds.append(EvidenceKind.BANNER)
    if (
        payload_head[:2] == b"\x30\x82"
        or "-----begin certificate" in low
        or ("cn=" in low and _DN.search(low))
    ):
        kinds.append(EvidenceKind.TLS)
    if "<" in body:
        _markup(body, kinds, formats)
    if "onvif://www.onvif.org/" in low and EvidenceKind.WSD_PROBEMATCH not in kinds:
        kinds.append(EvidenceKind.WSD_PROBEMATCH)
    if "notifydevinfo" in low or low.startswith("dhip") or "\x00dhip" in low[:64]:
        kinds.append(EvidenceKind.DHIP)
    if ("table." in body and _DAHUA_TABLE.search(body)) or "updateserial=" in body:
        kinds.append(EvidenceKind.DAHUA_CGI)
    if not body:
        return _result(kinds, ())
    first = body.lstrip()[:1]
    if first in ("{", "[") or '{"' in body:
        formats.append("json")
    if ("v=0" in body and ("\ns=" in body or "\nm=" in body)) or (
        # as Wireshark's dissector prints it: "Session Name (s): ..."
        "(v): " in body and ("(s): " in body or "(m): " in body)
    ):
        formats.append("sdp")
    elif "=" in body and "xml" not in formats and _KV_LINE.search(body):
        formats.append("kv")
    if (
        (":" in body or "=" in body)
        and "xml" not in formats
        and "html" not in formats
        and any(w in body for w in FIELD_WORDS)
        and _COLON_PAIR.search(body)
    ):
        formats.append("printout")
    return _result(kinds, formats)


def _body(low: str) -> str:
    """The body of an HTTP/RTSP message (after the first blank line), else empty."""
    for sep in ("\r\n\r\n", "\n\n"):
        idx = low.find(sep)
        if idx >= 0:
            return low[idx + len(sep) :]
    return ""


def _markup(low: str, kinds: list[EvidenceKind], formats: list[str]) -> None:
    """XML/HTML documents and the device protocols they carry."""
    start = low.lstrip()[:256]
    if start.startswith(("<!doctype html", "<html")) or "<head" in start or "<body" in low[:4096]:
        formats.append("html")
        return
    if "</" not in low and "/>" not in low:
        return
    formats.append("xml")
    if "probematch" in low and ("devicesn" in low or "devicedescription" in low):
        kinds.append(EvidenceKind.SADP)
    if "urn:schemas-upnp-org:device" in low:
        kinds.append(EvidenceKind.UPNP)
    if "<deviceinfo" in low or "isapi.org" in low or "hikvision.com/ver" in low:
        kinds.append(EvidenceKind.ISAPI)
    if "onvif.org/ver" in low or "manufacturer>" in low:
        kinds.append(EvidenceKind.ONVIF_DEVINFO)
