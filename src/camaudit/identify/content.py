"""Content first, declared kind second: what one piece of evidence says beyond its kind's rules.

After the declared kind's rules have run (engine.observe), this module

1. sniffs what the bytes are (:mod:`camaudit.identify.extract.sniff`) and runs the extractor and
   rules of every other kind they fit — a SOAP reply filed as ``http`` meets the ONVIF rules, an
   RTSP reply filed as ``banner`` the RTSP rules;
2. maps every key the extractors and the sniffed structures produced onto canonical ``gen.*``
   fields (:mod:`camaudit.identify.extract.generic`) and runs the ``kind: any`` rules (generic
   fields and weak signals: stream paths, SDP attributes, header and cookie names);
3. runs the model-number grammar on free text (titles, banners, realms, names, short values);
4. looks up MAC addresses in structured fields and, with a lower weight, anywhere in the text.

A fact equal to one this evidence already gave (same field, value and matched text) is not
counted twice. Every reference keeps the declared kind; its ``field`` names the sniffed kind or
the key a generic field came from (``onvif_devinfo:manufacturer``, ``gen.model<device_model``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from camaudit.identify.extract import Fields, extract_as
from camaudit.identify.extract.generic import (
    canonical,
    canonical_fields,
    device_attributes,
    scope_fields,
    sdp_fields,
    structured_pairs,
    unescape_lines,
)
from camaudit.identify.extract.sniff import HTTP_HEADERS, RTSP_HEADERS, Sniffed, sniff
from camaudit.identify.extract.text import normalise_mac
from camaudit.identify.facts import Fact, FactTemplate
from camaudit.identify.free_text import FREE_WEIGHT, NAME_FIELDS
from camaudit.identify.names import NAME_WEIGHT, ordinary_word, text_template
from camaudit.identify.resolve import OUI_WEIGHT, TEXT_OUI_WEIGHT
from camaudit.identify.rules import RuleHit
from camaudit.kb.schema import ANY_KIND
from camaudit.models import Evidence, EvidenceKind, EvidenceRef

if TYPE_CHECKING:
    from camaudit.identify.engine import Identifier, Observation

#: Formats each extractor already parses (no second parse of the same structure).
_COVERS: dict[EvidenceKind, frozenset[str]] = {
    EvidenceKind.HTTP: frozenset({"json", "xml", "kv"}),
    EvidenceKind.RTSP: frozenset({"json", "xml", "kv"}),
    EvidenceKind.SADP: frozenset({"xml"}),
    EvidenceKind.ISAPI: frozenset({"xml"}),
    EvidenceKind.ONVIF_DEVINFO: frozenset({"xml"}),
    EvidenceKind.UPNP: frozenset({"xml"}),
    EvidenceKind.DHIP: frozenset({"json"}),
    EvidenceKind.DAHUA_CGI: frozenset({"kv"}),
    EvidenceKind.MDNS: frozenset({"json", "kv"}),
    EvidenceKind.DHCP: frozenset({"json", "kv"}),
    EvidenceKind.ASSET_ROW: frozenset({"json"}),
}
#: Field names of extractors that are not device keys (never mapped to ``gen.*``).
_NOT_KEYS = frozenset({"raw", "body", "status", "www_authenticate", "fragment", "favicon_md5"})
_TEXT_MAC = re.compile(
    r"(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])"
)
_Seen = set[tuple[str, str, str]]
_BARE_MAC = re.compile(r"[0-9A-Fa-f]{2}(?:[:.-]?[0-9A-Fa-f]{2}){2,5}")
_MESSAGES = (EvidenceKind.HTTP, EvidenceKind.RTSP)
#: Structures a response body carries (see _COVERS).
_DOCUMENTS = frozenset({"json", "xml", "html", "kv", "printout"})
#: Kinds whose one-line fragments may be any of them (a Server value, a title, a greeting).
_FRAGMENT_KINDS = (EvidenceKind.HTTP, EvidenceKind.RTSP, EvidenceKind.BANNER)
#: Longest such fragment read as the other kinds'.
_FRAGMENT_MAX = 200


def _after_head(text: str) -> str:
    """The body of an HTTP/RTSP message (MAC addresses are looked for there, not in headers)."""
    for sep in ("\r\n\r\n", "\n\n"):
        idx = text.find(sep)
        if idx >= 0:
            return text[idx + len(sep) :]
    return "" if text[:5].upper() in ("HTTP/", "RTSP/") else text


def observe_content(
    ident: Identifier,
    evidence: Evidence,
    fields: Fields,
    obs: Observation,
    start: int,
    sha: str | None,
) -> None:
    """Add what the content of ``evidence`` says beyond its declared kind's rules to ``obs``
    (``fields``: the declared kind's, to which the ``gen.*`` fields are added; ``start``: index
    of this evidence's first fact; ``sha``: the evidence's SHA-256)."""
    declared = evidence.kind
    if declared is EvidenceKind.ASSET_ROW:
        return  # register rows are people's prose and columns: their own rules read them
    kind = declared.value
    text = fields.first("raw") or ""
    if declared is EvidenceKind.MAC and len(text) <= 64 and _BARE_MAC.fullmatch(text.strip()):
        # A bare address or prefix: only the registry lookups apply (no structure to sniff).
        _macs(ident, obs, fields, "", kind, sha)
        return
    facts = obs.facts
    seen: _Seen = (
        {(f.field, f.value.casefold(), f.ref.matched) for f in facts[start:]}
        if len(facts) > start
        else set()
    )
    sniffed = sniff(text, evidence.payload[:2])
    if (sniffed is HTTP_HEADERS and declared is EvidenceKind.HTTP) or (
        sniffed is RTSP_HEADERS and declared is EvidenceKind.RTSP
    ):
        # Headers only, of the declared protocol (most of a scan): no body to parse, no other
        # kind; header paths (Location, Content-Base) and free text remain.
        _add_hits(ident, obs, ident.rules.match(ANY_KIND, fields), kind, sha, seen, "")
        every = [fields]
        _read_loose_realms(ident, obs, every, text, kind, sha, seen)
        _free_text(ident, obs, every, kind, sha, seen)
        read: set[str] = set()
        for f in every:
            _realm_macs(ident, obs, f, kind, sha, read)
        _uuid_macs(ident, obs, text, kind, sha)
        return
    every = [fields]
    covered = set(_COVERS.get(declared, ()))
    others = sniffed.kinds
    if (
        declared is EvidenceKind.BANNER
        and not others
        and (_DOCUMENTS.intersection(sniffed.formats) or _several_lines(text))
    ):
        # A document filed as a banner (an XML, JSON or HTML body, key=value lines, a body's
        # lines): the rules on HTTP bodies read it too, as behind its response's headers.
        others = (EvidenceKind.HTTP,)
    elif declared in _MESSAGES and not others and not sniffed.formats and _plain_lines(fields):
        # Lines of plain text filed as a response (an SNMP walk, a console log, a printed
        # certificate): no status line or header to read, so read them as a banner's text.
        others = (EvidenceKind.BANNER,)
    for other in others:
        if other is declared:
            continue
        if other is EvidenceKind.WSD_PROBEMATCH:
            extra = scope_fields(text)
        else:
            extra = extract_as(other, text, ident.rules.wanted(other.value))
            covered |= _COVERS.get(other, frozenset())
        every.append(extra)
        label = f"{other.value}:"
        _add_hits(ident, obs, ident.rules.match(other.value, extra), kind, sha, seen, label)
    _read_loose_realms(ident, obs, every, text, kind, sha, seen)
    origin = _generic(every, text, sniffed, covered, fields)
    _add_hits(ident, obs, ident.rules.match(ANY_KIND, fields), kind, sha, seen, "", origin)
    _free_text(ident, obs, every, kind, sha, seen)
    body = text if declared not in _MESSAGES else _after_head(text)
    _macs(ident, obs, fields, body, kind, sha)
    _uuid_macs(ident, obs, text, kind, sha)
    done: set[str] = set()
    for f in every:  # the realms of the sniffed kinds too (an RTSP 401 filed as a banner)
        _realm_macs(ident, obs, f, kind, sha, done)
    if (
        declared in _FRAGMENT_KINDS
        and not sniffed.formats
        and not any(f.field == "manufacturer" for f in obs.facts[start:])
    ):
        # Nothing named the maker (a label name alone: "Web Viewer for Samsung DVR"): the
        # fragment rules of the other kinds may.
        _fragment_as_others(ident, obs, text, declared, sha, seen)


def add_generic_fields(declared: EvidenceKind, fields: Fields, payload_head: bytes) -> None:
    """Add to ``fields`` the ``gen.*`` fields :func:`observe_content` adds for a record of the
    ``declared`` kind in which no other kind is sniffed (used by the batch memo of
    :mod:`.batch_runs`, which must see what the engine reads)."""
    text = fields.first("raw") or ""
    sniffed = sniff(text, payload_head)
    _generic([fields], text, sniffed, set(_COVERS.get(declared, ())), fields)


def _plain_lines(fields: Fields) -> bool:
    """Whether an HTTP/RTSP extraction found no message at all in several lines of text."""
    fragment = fields.first("fragment")
    return fragment is not None and _several_lines(fragment) and not fields.get("realm")


def _several_lines(text: str) -> bool:
    return "\n" in text.strip()


def _fragment_as_others(
    ident: Identifier,
    obs: Observation,
    text: str,
    declared: EvidenceKind,
    sha: str | None,
    seen: _Seen,
) -> None:
    """One bare value that nothing else explained, filed as a banner, an HTTP or an RTSP
    fragment (a Server header, a realm, a title, a greeting as a scanner printed it): the
    fragment rules of the other two kinds read it too."""
    line = text.strip()
    if not line or len(line) > _FRAGMENT_MAX or "\n" in line:
        return
    kind = declared.value
    for other in _FRAGMENT_KINDS:
        if other is declared:
            continue
        extra = extract_as(other, line, ident.rules.wanted(other.value))
        _add_hits(
            ident, obs, ident.rules.match(other.value, extra), kind, sha, seen, f"{other.value}:"
        )


def _read_loose_realms(
    ident: Identifier,
    obs: Observation,
    every: list[Fields],
    text: str,
    kind: str,
    sha: str | None,
    seen: _Seen,
) -> None:
    """A realm quoted outside a WWW-Authenticate header the extractor read (an Authorization
    header echoed in a log, a 401 pasted inside other text, a reply's headers printed on one
    line): the realm rules of both protocols that use them read it (added to ``every``)."""
    if 'realm="' not in text or every[0].get("realm"):
        return
    realms = _loose_realms(text)
    if realms.items():
        every.append(realms)
        for other in _MESSAGES:
            label = f"{other.value}:"
            _add_hits(ident, obs, ident.rules.match(other.value, realms), kind, sha, seen, label)


_LOOSE_REALM = re.compile(r'\brealm="([^"\r\n]{1,120})"', re.IGNORECASE)


def _loose_realms(text: str) -> Fields:
    found = Fields()
    for m in _LOOSE_REALM.finditer(text[:16384]):
        found.add("realm", m.group(1))
    return found


def _generic(
    every: list[Fields], text: str, sniffed: Sniffed, covered: set[str], gen: Fields
) -> dict[str, str]:
    """Add the ``gen.*`` (and ``sdp.*``) fields to ``gen``; returns where each came from."""
    pairs: list[tuple[str, str]] = []
    for f in every:
        for name, values in f.items():
            is_key = _KEY_NAMES.get(name)
            if is_key is None:
                is_key = _is_key(name)
            if is_key:
                pairs.extend((name, v) for v in values)
    if sniffed.formats:
        todo = [f for f in sniffed.formats if f not in covered and f != "sdp"]
        if todo:
            pairs.extend(structured_pairs(text, todo))
        if "xml" in sniffed.formats and "xml" in covered:
            # the kind's extractor reads the elements; attributes are read here
            pairs.extend(device_attributes(text))
        if "sdp" in sniffed.formats:
            sdp_fields(text, gen)
    if "\\n" in text and text.count("\\n") > text.count("\n"):
        # A capture printed with its line breaks escaped (a Python bytes repr, a JSON string in
        # a log): read the unescaped text's structure too.
        plain = unescape_lines(text)
        pairs.extend(structured_pairs(plain, sniff(plain).formats))
    return canonical_fields(pairs, gen) if pairs else {}


_KEY_NAMES: dict[str, bool] = {}


def _is_key(name: str) -> bool:
    """Whether an extractor's field ``name`` is a device key the generic mapping reads."""
    found = not (name in _NOT_KEYS or name.startswith(("header.", "scope"))) and (
        canonical(name) is not None or name.startswith(("json.", "xml.", "kv."))
    )
    if len(_KEY_NAMES) < 8192:
        _KEY_NAMES[name] = found
    return found


def _add_hits(
    ident: Identifier,
    obs: Observation,
    hits: Iterable[RuleHit],
    kind: str,
    sha: str | None,
    seen: _Seen,
    label: str,
    origin: dict[str, str] | None = None,
) -> None:
    for hit in hits:
        items, notes = ident.resolved(kind, hit)
        value = hit.value[:200]
        where = f"{label}{hit.field}"
        if origin:
            src = origin.get(f"{hit.field}={hit.value}")
            if src:
                where = f"{hit.field}<{src}"
        for fname, fvalue, weight, rule_id, matched in items:
            m = hit.matched if rule_id is None else (matched or "")
            key = (fname, fvalue.casefold(), m)
            if key in seen:
                continue
            seen.add(key)
            ref = EvidenceRef(kind, rule_id or hit.rule.id, m, where, value, sha)
            obs.facts.append(Fact(fname, fvalue, weight, ref))
        if notes:
            obs.notes.extend(notes)


def _free_text(
    ident: Identifier,
    obs: Observation,
    every: list[Fields],
    kind: str,
    sha: str | None,
    seen: _Seen,
) -> None:
    """Model numbers and maker names in free-text fields. A model number read in several
    fields counts once, at the weight of the field that says most (a ``type`` value before
    the whole fragment it sits in)."""
    models: set[str] | None = None
    texts: list[tuple[float, str, list[str]]] = []
    for f in every:
        for fname, values in f.items():
            weight = FREE_WEIGHT.get(fname)
            if weight is None:
                if fname == "gen.word":
                    _exact_names(ident, obs, values, kind, sha, seen)
                continue
            texts.append((weight, fname, values))
    if len(texts) > 1:
        texts.sort(key=lambda t: -t[0])
    for weight, fname, values in texts:
        for text in values:
            model_part, name_part = text_template(ident, text, weight)
            if model_part:
                if models is None:
                    models = {v for (fld, v, _m) in seen if fld == "model"}
                if model_part[0][1].casefold() not in models:
                    models.add(model_part[0][1].casefold())
                    _add_template(obs, model_part, kind, fname, text, sha, seen)
            if name_part and fname in NAME_FIELDS:
                _add_template(obs, name_part, kind, fname, text, sha, seen)


def _exact_names(
    ident: Identifier,
    obs: Observation,
    values: list[str],
    kind: str,
    sha: str | None,
    seen: _Seen,
) -> None:
    """Values under keys of no known meaning that are exactly a KB maker or label name
    (``"b": "jovision"``, ``Vendor: EZIP``): the device names its maker."""
    for value in values[:_MAX_WORDS]:
        if len(value) < 3 or ident.kb.resolve(value) is None or ordinary_word(ident, value):
            continue
        ref = EvidenceRef("", "names:exact-value", value, "", "")
        template = tuple(
            (f.field, f.value, f.weight, f.ref.rule, f.ref.matched)
            for f in ident.resolver.name_facts("vendor", value, NAME_WEIGHT, ref, [])
        )
        _add_template(obs, template, kind, "gen.word", value, sha, seen)


_MAX_WORDS = 32


def _add_template(
    obs: Observation,
    template: FactTemplate,
    kind: str,
    fname: str,
    text: str,
    sha: str | None,
    seen: _Seen,
) -> None:
    for field, value, w, rule, matched in template:
        key = (field, value.casefold(), matched)
        if key not in seen:
            seen.add(key)
            ref = EvidenceRef(kind, rule, matched, fname, text[:200], sha)
            obs.facts.append(Fact(field, value, w, ref))


#: A realm that is twelve hex digits: the device's own MAC, as some firmware names its realm.
_REALM_MAC = re.compile(r"[0-9A-Fa-f]{12}")
#: Weight of the OUI of such a realm (the device's own address, written without separators).
REALM_MAC_WEIGHT = 0.5


def _realm_macs(
    ident: Identifier,
    obs: Observation,
    fields: Fields,
    kind: str,
    sha: str | None,
    done: set[str] | None = None,
) -> None:
    """A realm that is the device's MAC (twelve hex digits), and an SDP session name that is
    one with a stream number (``FCECDA8FD993_0``: a recorder re-streaming a camera names the
    session after the camera's MAC): read as that MAC."""
    named = [("realm", v) for v in fields.get("realm")]
    named += [("sdp.s", v[:12]) for v in fields.get("sdp.s") if _SESSION_MAC.fullmatch(v)]
    for field, realm in named:
        if done is not None:
            if realm in done:
                continue
            done.add(realm)
        if len(realm) == 12 and _REALM_MAC.fullmatch(realm):
            mac = ":".join(realm[i : i + 2] for i in range(0, 12, 2)).lower()
            facts = ident.resolver.mac_facts(mac, kind, sha, [], REALM_MAC_WEIGHT, field)
            obs.facts.extend(facts)


_SESSION_MAC = re.compile(r"[0-9A-Fa-f]{12}_\d{1,3}")


#: A UUID naming the device (an ONVIF endpoint address, a UPnP UDN/USN): version digit and the
#: node field, which firmware fills with the device's MAC. The client's UUID a reply relates to
#: (WS-Discovery ``RelatesTo``) is not the device's.
_UUID = re.compile(
    r"(?i)(RelatesTo>\s*)?\buuid:[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-"
    r"([0-9a-f]{12})\b"
)
#: Weight of the OUI in such a UUID's node (the device's own address, as in a MAC realm).
UUID_MAC_WEIGHT = REALM_MAC_WEIGHT


def _uuid_macs(ident: Identifier, obs: Observation, text: str, kind: str, sha: str | None) -> None:
    """The MAC in the node field of the device's own UUIDs (``uuid:B926EB6A-CB4B-54DB-3130-
    0023CDE05FA7``): random (version 4) UUIDs and multicast-bit nodes carry no address."""
    if "uuid:" not in text and "UUID:" not in text:
        return
    found: set[str] = set(obs.macs) | set(obs.content_macs)
    for m in _UUID.finditer(text[:16384]):
        node = m.group(3).lower()
        if m.group(1) or m.group(2) == "4" or int(node[:2], 16) & 1 or len(set(node)) == 1:
            continue
        mac = ":".join(node[i : i + 2] for i in range(0, 12, 2))
        if mac in found:
            continue
        found.add(mac)
        obs.facts.extend(ident.resolver.mac_facts(mac, kind, sha, [], UUID_MAC_WEIGHT, "uuid"))
        if len(found) > 8:
            break


def _macs(
    ident: Identifier, obs: Observation, gen: Fields, text: str, kind: str, sha: str | None
) -> None:
    for value in gen.get("oui"):
        facts = ident.resolver.mac_facts(value, kind, sha, obs.notes, OUI_WEIGHT, "oui")
        obs.facts.extend(facts)
    for value in gen.get("gen.mac"):
        norm = normalise_mac(value)
        if norm and norm not in obs.macs and norm not in obs.content_macs:
            obs.content_macs.append(norm)
            facts = ident.resolver.mac_facts(norm, kind, sha, obs.notes, OUI_WEIGHT, "gen.mac")
            obs.facts.extend(facts)
    if text.count(":") < 5 and text.count("-") < 5:
        return
    found: set[str] = set(obs.macs) | set(obs.content_macs)
    for m in _TEXT_MAC.finditer(text[:16384]):
        norm = normalise_mac(m.group(0))
        if norm and norm not in found:
            # Not the device's MAC for sure (a gateway's, a client's): a weaker fact, and the
            # identity's ``mac`` stays as the structured evidence says.
            found.add(norm)
            facts = ident.resolver.mac_facts(norm, kind, sha, [], TEXT_OUI_WEIGHT, "text")
            obs.facts.extend(facts)
