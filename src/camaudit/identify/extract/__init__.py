"""Turn raw evidence bytes into named fields that fingerprint rules match against.

Each evidence kind has an extractor. Extractors are total: any byte string (truncated, random,
hostile) yields a (possibly empty) :class:`Fields` and never raises. Field names are documented in
docs/kb-format.md.
"""

from __future__ import annotations

from collections.abc import Callable

from camaudit.identify.extract.decoding import decode_payload
from camaudit.identify.extract.fields import MAX_FIELD, Fields, Wanted
from camaudit.identify.extract.http import extract_http, extract_rtsp
from camaudit.identify.extract.markup import extract_xml
from camaudit.identify.extract.text import (
    extract_asset_row,
    extract_banner,
    extract_dahua_cgi,
    extract_dhcp,
    extract_dhip,
    extract_hostname,
    extract_mac,
    extract_mdns,
    extract_wsd,
)
from camaudit.identify.extract.tls import extract_tls
from camaudit.models import Evidence, EvidenceKind

__all__ = ["MAX_FIELD", "Fields", "Wanted", "extract", "extract_as"]

_EXTRACTORS: dict[EvidenceKind, Callable[[str, Wanted], Fields]] = {
    EvidenceKind.HTTP: extract_http,
    EvidenceKind.RTSP: extract_rtsp,
    EvidenceKind.TLS: extract_tls,
    EvidenceKind.BANNER: extract_banner,
    EvidenceKind.SADP: extract_xml,
    EvidenceKind.ISAPI: extract_xml,
    EvidenceKind.ONVIF_DEVINFO: extract_xml,
    EvidenceKind.UPNP: extract_xml,
    EvidenceKind.DHIP: extract_dhip,
    EvidenceKind.WSD_PROBEMATCH: extract_wsd,
    EvidenceKind.DAHUA_CGI: extract_dahua_cgi,
    EvidenceKind.MDNS: extract_mdns,
    EvidenceKind.MAC: extract_mac,
    EvidenceKind.DHCP: extract_dhcp,
    EvidenceKind.HOSTNAME: extract_hostname,
    EvidenceKind.ASSET_ROW: extract_asset_row,
}


def extract(evidence: Evidence, wanted: Wanted = None) -> Fields:
    """Named fields of one piece of evidence (never raises: an extractor failure leaves the
    ``raw`` field and a note in ``Fields.notes``).

    ``wanted`` names the fields some rule reads: extractors may skip others (HTTP skips unread
    ``header.*`` fields). ``None`` extracts everything.
    """
    text, note = decode_payload(evidence.payload[: MAX_FIELD * 4])
    try:
        fields = _EXTRACTORS[evidence.kind](text, wanted)
    except Exception as exc:  # an isolation boundary: bad bytes cost only their own fields
        fields = Fields()
        fields.notes.append(
            f"{evidence.kind.value} extractor failed ({type(exc).__name__}): raw text only"
        )
    if note:
        fields.notes.append(note)
    fields.add("raw", text)
    if evidence.mac:
        fields.add("mac", evidence.mac)
    return fields


def extract_as(kind: EvidenceKind, text: str, wanted: Wanted = None) -> Fields:
    """Fields of already decoded ``text`` read as evidence of ``kind`` (for content sniffed to be
    of another kind than declared); ``raw`` included. Never raises."""
    try:
        fields = _EXTRACTORS[kind](text, wanted)
    except Exception as exc:  # the same isolation boundary as extract()
        fields = Fields()
        fields.notes.append(f"{kind.value} extractor failed ({type(exc).__name__}): raw text only")
    fields.add("raw", text)
    return fields
