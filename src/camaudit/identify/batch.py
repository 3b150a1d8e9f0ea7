"""Identification of many single-evidence records, memoised on what actually varies.

An estate's banners repeat: the same model and firmware answer with the same headers, differing
only in their ``Date``, digest ``nonce``, ``CSeq``, ``Content-Length``... :class:`BatchIdentifier`
keys each header-sized record on its text with those volatile values *masked by character class*
(a date's letters and digits, a nonce's hex digits: the value keeps its length and
punctuation, so a rule on its shape still sees the same shape) and reuses the identity found for an earlier record of the same key.

Reuse is exact, not approximate: an identity is reused only if every text its evidence chain
cites (each reference's ``matched`` and ``value``) occurs in the new record's own bytes; the
references are re-pointed at the new evidence's SHA-256 (and the notes that name it). Anything
else is identified afresh.

Records whose realm or certificate name carries a per-device id have a second memo
(:mod:`.batch_runs`), and bare MAC addresses a third (:mod:`.batch_macs`), as exact as the first.
"""

from __future__ import annotations

import re
from dataclasses import replace

from camaudit.identify.batch_macs import MacMemo
from camaudit.identify.batch_runs import RUN_KINDS, RunMemo
from camaudit.identify.engine import Identifier
from camaudit.models import Evidence, EvidenceKind, Identity

#: Kinds whose records are header-sized and repeat across an estate (a certificate's names too).
MEMO_KINDS = frozenset(
    {EvidenceKind.HTTP, EvidenceKind.RTSP, EvidenceKind.BANNER, EvidenceKind.TLS}
)
#: Records larger than this are identified afresh (bodies vary; the memo is for headers).
MEMO_MAX_BYTES = 4096
_MEMO_SIZE = 20_000
# Both led by a literal (a leading ``^`` or ``\b`` would stop the regex engine's literal scan and
# double the cost of every record): a header after its line break (the first line is the status
# line), a parameter name with its word boundary looked back on.
_VOLATILE_HEADER = re.compile(
    r"\n((?i:date|expires|last-modified|etag|content-length|cseq|session|x-request-id|age)"
    r"[ \t]*:)([^\r\n]*)"
)
_VOLATILE_PARAM = re.compile(
    r'((?:nonce(?<=\bnonce)|opaque(?<=\bopaque)|cnonce(?<=\bcnonce))=")([^"\r\n]{0,256})"'
)
#: Header values: letters to ``a``, digits to ``0`` (a date keeps its shape, not its day).
_HEADER_CLASS = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "0" * 10 + "A" * 26 + "a" * 26
)
#: Digest parameters: hex digits to ``0`` (a nonce keeps its length and punctuation).
_PARAM_CLASS = str.maketrans("0123456789abcdefABCDEF", "0" * 22)


def _masked(text: str) -> str:
    text = _VOLATILE_HEADER.sub(
        lambda m: "\n" + m.group(1) + m.group(2).translate(_HEADER_CLASS), text
    )
    if "nonce=" in text or "opaque=" in text:
        text = _VOLATILE_PARAM.sub(
            lambda m: m.group(1) + m.group(2).translate(_PARAM_CLASS) + '"', text
        )
    return text


class BatchIdentifier:
    """``identify(ev)`` / ``json_line(ev)`` for a stream of one-evidence records."""

    def __init__(self, identifier: Identifier | None = None) -> None:
        self.identifier = identifier or Identifier()
        # masked key -> (identity, its evidence sha, cited texts, JSON line)
        self._memo: dict[tuple[EvidenceKind, str], tuple[Identity, str, tuple[str, ...], str]] = {}
        self.runs = RunMemo(self.identifier)
        self.macs = MacMemo(self.identifier)
        self.hits = 0
        self.misses = 0

    def _key(self, ev: Evidence) -> tuple[tuple[EvidenceKind, str], str] | None:
        if (
            ev.kind not in MEMO_KINDS
            or len(ev.payload) > MEMO_MAX_BYTES
            or ev.truncated
            or ev.mac is not None  # the record's own MAC is read too: per device, never shared
        ):
            return None
        try:
            text = ev.payload.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return (ev.kind, _masked(text)), text

    def _lookup(
        self, ev: Evidence, keyed: tuple[tuple[EvidenceKind, str], str] | None
    ) -> tuple[Identity, str, str | None]:
        """(identity, the SHA-256 its references cite, its JSON line or None when not kept);
        ``keyed``: the record's memo key and text (:meth:`_key`)."""
        if keyed is not None:
            key, text = keyed
            found = self._memo.get(key)
            if found is not None and all(t in text for t in found[2]):
                self.hits += 1
                return found[0], found[1], found[3]
        self.misses += 1
        identity = self.identifier.identify([ev])
        if keyed is None:
            return identity, ev.sha256, None
        cited = {t for r in identity.evidence for t in (r.matched, r.value) if t}
        line = identity.to_json() + "\n"
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[keyed[0]] = (identity, ev.sha256, tuple(cited), line)
        return identity, ev.sha256, line

    def identify(self, ev: Evidence) -> Identity:
        """The identity of one record (equal to ``Identifier().identify([ev])``)."""
        identity, sha, _ = self._lookup(ev, self._key(ev))
        if sha == ev.sha256:
            return identity
        new, old12, new12 = ev.sha256, sha[:12], ev.sha256[:12]
        return replace(
            identity,
            evidence=[r if r.sha256 != sha else replace(r, sha256=new) for r in identity.evidence],
            restricted=list(identity.restricted),
            notes=[n.replace(old12, new12) for n in identity.notes],
        )

    def json_line(self, ev: Evidence) -> str:
        """``identify(ev).to_dict()`` as one JSON line."""
        if ev.kind is EvidenceKind.MAC:
            line = self.macs.json_line(ev)
            if line is not None:
                return line
        keyed = self._key(ev)
        if keyed is not None:
            found = self._memo.get(keyed[0])
            if found is not None and all(t in keyed[1] for t in found[2]):
                self.hits += 1
                return _rehashed(found[3], found[1], ev.sha256)
            if ev.kind in RUN_KINDS:
                line = self.runs.json_line(ev, keyed[0][1], keyed[1])
                if line is not None:
                    return line
        identity, sha, line = self._lookup(ev, keyed)
        if line is None:
            return identity.to_json() + "\n"
        return _rehashed(line, sha, ev.sha256)


def _rehashed(line: str, old: str, new: str) -> str:
    """A memoised line re-pointed from the evidence hash it cites to the new record's."""
    if old == new:
        return line
    return line.replace(old, new).replace(old[:12], new[:12])
