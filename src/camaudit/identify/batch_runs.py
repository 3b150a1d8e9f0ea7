"""The batch memo for header-sized records that carry a per-device id.

``Login to 4C0B2A9D17E3``, ``IP Camera(48213)``, ``AXIS_ACCC8E1F02B7`` in a realm, ``CN=90114183d260``
in a certificate's name: every device of a model answers with the same text but its own serial,
MAC or number, so the memo of :mod:`.batch` never meets the same key twice. :class:`RunMemo` keys
such a record on its text with those *runs* of hex digits (four or more, one a digit) masked by
class (length; all digits, hex with capitals, or hex with lowercase), and reuses an earlier
record's identity with the runs (and the hash) written in. The reuse is exact by construction:

- the record is a headers-only HTTP/RTSP reply with one realm, whose runs are the realm's (the
  engine's shortest path: no body, no other kind sniffed, no generic fields), or a short
  certificate name that sniffs as nothing else, whose runs are anywhere in it; not re-presented,
  with no UUID, and each run occurring once in its bytes;
- for a name, every field the engine extracts (its generic fields too) is the earlier record's
  with the runs copied (a reply's headers are not extracted again: only its realm differs);
- the *readings* of the field values that hold a run — rule hits of the record's kind and of
  ``any``, free-text model and name readings, exact maker names, and the IEEE registry's block of
  any of them the engine reads as a MAC — equal the earlier record's with each run replaced by a
  mark: the runs made no other difference than being copied;
- every text the earlier identity cites, with its runs written for the new ones, occurs in the
  new record (as for the first memo);
- the entry itself was checked once when stored: the same record with different runs of the same
  classes is extracted and identified afresh, and must give the same fields, readings and the
  substituted line (a run that extraction reads rather than copies, or that the identity shows
  elsewhere in another form, fails that check, and the entry is never reused).

Anything else is identified afresh. Differential tests (tests/identify/test_batch_runs.py) compare
it with the engine on random realms, names, serials and OUIs.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from camaudit.identify.content import add_generic_fields
from camaudit.identify.engine import Identifier
from camaudit.identify.extract import Fields, extract
from camaudit.identify.extract.sniff import HTTP_HEADERS, RTSP_HEADERS, sniff
from camaudit.identify.extract.text import normalise_mac
from camaudit.identify.extract.unwrap import presented
from camaudit.identify.free_text import FREE_WEIGHT
from camaudit.identify.names import ordinary_word, text_template
from camaudit.identify.oui import is_locally_administered
from camaudit.kb.schema import ANY_KIND
from camaudit.models import Evidence, EvidenceKind, Identity

_HEADERS_ONLY = {EvidenceKind.HTTP: HTTP_HEADERS, EvidenceKind.RTSP: RTSP_HEADERS}
#: Kinds whose records this memo may serve.
RUN_KINDS = frozenset({*_HEADERS_ONLY, EvidenceKind.TLS})
#: What a certificate name served must sniff as: itself, nothing else.
_NAME_ONLY = (EvidenceKind.TLS,)
#: Longest certificate name served (a PEM or DER certificate is not a name).
_MAX_NAME = 300
#: The one quoted realm of a reply: printable ASCII that JSON writes as it is.
_REALM = re.compile(r'realm="([ !#-\[\]-~]{1,80})"')
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{4,}")
_WHOLE_MAC = re.compile(r"[0-9A-Fa-f]{12}")
#: Fields whose values the engine reads as a MAC (``realm`` only when it is 12 hex digits).
_MAC_FIELDS = ("mac", "gen.mac", "oui")
_MARK = "\x00"  # never in an eligible reply: marks stand for its runs
#: A mark per run; its letter is not a hex digit, so a mark never joins a run's neighbours.
_MARKS = tuple(_MARK + c for c in "ghij")
_MAX_RUNS = 4
_MEMO_SIZE = 20_000
#: A run's other text of the same classes (digits stay digits, hex letters keep their case).
SHIFT = str.maketrans("0123456789abcdefABCDEF", "1234567890bcdefaBCDEFA")


class _Entry(NamedTuple):
    runs: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]  # the field values that hold a run, runs marked
    readings: tuple[object, ...]
    cited: tuple[str, ...]  # runs marked
    parts: tuple[str | int, ...]  # the line: text, or a slot (0 hash, 1 short hash, 2+ run)
    checked: bool


def _runs(realm: str) -> tuple[str, ...]:
    return tuple(r for r in _HEX_RUN.findall(realm) if any(c.isdigit() for c in r))


def _run_class(run: str) -> str:
    """A run's mask in the key: its length and whether it is all digits or has lowercase."""
    if run.isdigit():
        return "9" * len(run)
    return ("x" if any(c.islower() for c in run) else "#") * len(run)


class RunMemo:
    """Identities of headers-only replies, shared across their realms' per-device runs."""

    def __init__(self, identifier: Identifier) -> None:
        self.identifier = identifier
        self._memo: dict[tuple[EvidenceKind, object, str], _Entry] = {}
        self.hits = 0
        self.misses = 0

    def json_line(self, ev: Evidence, masked: str, text: str) -> str | None:
        """The record's JSON line (from the memo or afresh), or None if it is not one this memo
        serves (``masked``: its text as the first memo keys it; ``text``: its decoded bytes)."""
        shaped = self._shape(ev, masked, text)
        if shaped is None:
            return None
        runs, key = shaped
        found = self._memo.get(key)
        if found is not None:
            if found.checked and self._reusable(ev, found, runs, text):
                self.hits += 1
                return fill_line(found.parts, ev.sha256, runs)
            self.misses += 1
            return self.identifier.identify([ev]).to_json() + "\n"
        self.misses += 1
        identity = self.identifier.identify([ev])
        line = identity.to_json() + "\n"
        entry = self._entry(ev, runs, identity, line)
        entry = entry._replace(checked=self._check(ev, text, entry))
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = entry
        return line

    def _reusable(self, ev: Evidence, found: _Entry, runs: tuple[str, ...], text: str) -> bool:
        if ev.kind is EvidenceKind.TLS:
            # A name is extracted again (generic fields come from its whole text): every value
            # must be the entry's with the runs copied.
            fields = self._fields(ev)
            if _templates(fields, runs) != found.fields:
                return False
            sub = _holding(fields, runs)
        else:
            sub = Fields()
            for name, value in found.fields:
                sub.add(name, _unmark(value, runs))
        if self._readings(ev.kind, sub, runs) != found.readings:
            return False
        return all(_unmark(t, runs) in text for t in found.cited)

    def _entry(self, ev: Evidence, runs: tuple[str, ...], identity: Identity, line: str) -> _Entry:
        fields = self._fields(ev)
        sub = _holding(fields, runs)
        cited = {t for r in identity.evidence for t in (r.matched, r.value) if t}
        return _Entry(
            runs,
            _templates(fields if ev.kind is EvidenceKind.TLS else sub, runs),
            self._readings(ev.kind, sub, runs),
            tuple(sorted(_mark(t, runs) for t in cited)),
            cut_line(line, ev.sha256, runs),
            checked=False,
        )

    def _shape(
        self, ev: Evidence, masked: str, text: str
    ) -> tuple[tuple[str, ...], tuple[EvidenceKind, object, str]] | None:
        low = text.lower()
        if "\\" in text or "&" in text or _MARK in text or "uuid:" in low:
            return None  # read as re-presented, or a UUID's MAC read from the text
        if ev.kind is EvidenceKind.TLS:
            region = self._name_region(ev, text, low)
        else:
            m = _REALM.search(text) if low.count("realm") == 1 else None
            region = None
            # only a realm of a WWW-Authenticate header line (one the extractor reads: a reply
            # printed on one line is read another way)
            if m is not None and low.startswith(
                "www-authenticate", text.rfind("\n", 0, m.start()) + 1
            ):
                region = m.group(1)
        if region is None:
            return None
        runs = _runs(region)
        if not runs or len(runs) > _MAX_RUNS or len(set(runs)) != len(runs):
            return None
        if any(text.count(r) != 1 or masked.count(r) != 1 for r in runs):
            return None
        sniffed = sniff(text, ev.payload[:2])
        if ev.kind is EvidenceKind.TLS:
            if sniffed.kinds != _NAME_ONLY:
                return None
        elif sniffed is not _HEADERS_ONLY[ev.kind]:
            return None
        key = masked
        for r in runs:
            key = key.replace(r, _run_class(r))
        return runs, (ev.kind, sniffed, key)

    @staticmethod
    def _name_region(ev: Evidence, text: str, low: str) -> str | None:
        """A certificate's names as one short line of text (not a PEM or DER certificate, no
        realm or MAC address written with separators that the content pass would read)."""
        if len(text) > _MAX_NAME or not text.isascii() or not text.isprintable():
            return None
        if "-----" in text or "realm" in low or text.count(":") >= 5 or text.count("-") >= 5:
            return None
        if presented(ev) is not None:
            return None
        return text

    def _fields(self, ev: Evidence) -> Fields:
        """What the engine extracts from the record (a certificate name's generic fields too)."""
        fields = extract(ev, self.identifier.rules.wanted(ev.kind.value))
        if ev.kind is EvidenceKind.TLS:
            add_generic_fields(ev.kind, fields, ev.payload[:2])
        return fields

    def _readings(
        self, kind: EvidenceKind, sub: Fields, runs: tuple[str, ...]
    ) -> tuple[object, ...]:
        """What the engine reads from the field values that contain a run, runs marked."""
        ident = self.identifier
        out: list[object] = []
        for k in (kind.value, ANY_KIND):
            for h in ident.rules.match(k, sub):
                sets = tuple((f, _mark(v, runs)) for f, v in h.sets)
                out.append((k, h.rule.id, h.field, _mark(h.matched, runs), sets))
        for name, values in sub.items():
            weight = FREE_WEIGHT.get(name)
            if weight is None:
                continue
            for value in values:
                for part in text_template(ident, value, weight, remember=False):
                    out.append(tuple(tuple(_mark(str(x), runs) for x in item) for item in part))
        for value in sub.get("gen.word"):
            # a value that is exactly a maker's name (content's exact names)
            found = ident.kb.resolve(value) if len(value) >= 3 else None
            out.append(("gen.word", found is not None and not ordinary_word(ident, value)))
        out.extend(self._mac_readings(sub))
        return tuple(out)

    def _mac_readings(self, sub: Fields) -> list[object]:
        """The registry's block (and the locally-administered bit) of every run-holding value
        the engine reads as a MAC: two devices share an entry only within one block."""
        out: list[object] = []
        for value in sub.get("realm"):
            if len(value) == 12 and _WHOLE_MAC.fullmatch(value):
                out.append(("realm", self._block(value)))
        for name in _MAC_FIELDS:
            for value in sub.get(name):
                mac = value if name == "oui" else normalise_mac(value)
                out.append((name, mac and self._block(mac)))
        return out

    def _block(self, mac: str) -> tuple[object, ...]:
        oui = self.identifier.resolver.oui
        hit = oui.lookup(mac) if oui is not None else None
        return (hit.prefix, hit.registrant) if hit else (), is_locally_administered(mac)

    def _check(self, ev: Evidence, text: str, entry: _Entry) -> bool:
        """Whether the entry gives what the engine gives for the same reply with other runs of
        the same classes (checked once per entry): the same run fields, readings and line."""
        runs = entry.runs
        other = tuple(r.translate(SHIFT) for r in runs)
        if len(set(other) | set(runs)) != 2 * len(other):
            return False
        probe = Evidence(ev.kind, _unmark(_mark(text, runs), other).encode("utf-8"))
        fields = self._fields(probe)
        sub = _holding(fields, other)
        shown = _templates(fields if ev.kind is EvidenceKind.TLS else sub, other)
        if shown != entry.fields or self._readings(ev.kind, sub, other) != entry.readings:
            return False
        fresh = self.identifier.identify([probe]).to_json() + "\n"
        return fresh == fill_line(entry.parts, probe.sha256, other)


def _holding(fields: Fields, runs: tuple[str, ...]) -> Fields:
    """The field values that contain a run."""
    sub = Fields()
    for name, values in fields.items():
        for value in values:
            if any(r in value for r in runs):
                sub.add(name, value)
    return sub


def _templates(fields: Fields, runs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, _mark(v, runs)) for name, values in fields.items() for v in values)


def _mark(text: str, runs: tuple[str, ...]) -> str:
    """``text`` with each run written as its mark (runs never hold one another: each occurs
    once in the reply, so replacing them one by one is the same as one pass)."""
    for i, r in enumerate(runs):
        if r in text:
            text = text.replace(r, _MARKS[i])
    return text


def _unmark(text: str, runs: tuple[str, ...]) -> str:
    if _MARK not in text:
        return text
    for i, r in enumerate(runs):
        text = text.replace(_MARKS[i], r)
    return text


def cut_line(line: str, sha: str, runs: tuple[str, ...]) -> tuple[str | int, ...]:
    """The line cut at its hashes and runs (one left-to-right pass: a run that happens to sit
    inside the hash is not cut out of it)."""
    old = (sha, sha[:12], *runs)
    slot = {s: i for i, s in reversed(list(enumerate(old)))}
    pattern = re.compile("|".join(re.escape(s) for s in sorted(slot, key=len, reverse=True)))
    parts: list[str | int] = []
    at = 0
    for m in pattern.finditer(line):
        parts.append(line[at : m.start()])
        parts.append(slot[m.group(0)])
        at = m.end()
    parts.append(line[at:])
    return tuple(p for p in parts if p != "")


def fill_line(parts: tuple[str | int, ...], sha: str, runs: tuple[str, ...]) -> str:
    new = (sha, sha[:12], *runs)
    return "".join(p if isinstance(p, str) else new[p] for p in parts)
