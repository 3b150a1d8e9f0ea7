"""Robustness of identification to how evidence is presented (tune half of bench/eval only).

    python -m bench variants [--show N]

Real evidence reaches camaudit re-presented: pasted from ``curl -v`` with ``< `` prefixes, as a
Python bytes repr, inside a JSON string, with LF line ends, lower- or upper-cased header names,
indented as a code block, HTML-escaped, cut short, or filed under a generic kind. For every tune
item the engine names correctly, each re-presentation that applies is identified again; the
bench prints, per re-presentation, how many still name the same maker, and the first misses of
each (``--show``). The holdout half is never read. Writes bench/results/variants.json.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import load_corpus
from bench.eval_set import load_items, load_split
from camaudit.evidence import evidence_from_record
from camaudit.identify import Identifier

RESULTS = Path(__file__).parent / "results"
_MESSAGE = re.compile(r"^(?:HTTP|RTSP)/\d")
_HEADER = re.compile(r"(?m)^([A-Za-z][A-Za-z0-9-]{0,63})(:[ \t]?)")
_TEXT_KINDS = {"http", "rtsp", "banner", "tls", "onvif_devinfo", "isapi", "upnp", "wsd_probematch"}

Variant = Callable[[str, str], tuple[str, str] | None]


def _lines(prefix: str, last: str | None = None) -> Variant:
    def apply(kind: str, text: str) -> tuple[str, str] | None:
        lines = text.replace("\r\n", "\n").split("\n")
        out = [prefix + line for line in lines]
        if last is not None and out:
            out[-1] = last + lines[-1]
        return kind, "\n".join(out)

    return apply


def _headers(case: Callable[[str], str]) -> Variant:
    def apply(kind: str, text: str) -> tuple[str, str] | None:
        if not _MESSAGE.match(text):
            return None
        head, sep, body = (
            text.partition("\r\n\r\n") if "\r\n\r\n" in text else text.partition("\n\n")
        )
        return kind, _HEADER.sub(lambda m: case(m.group(1)) + m.group(2), head) + sep + body

    return apply


def _lf(kind: str, text: str) -> tuple[str, str] | None:
    return (kind, text.replace("\r\n", "\n")) if "\r\n" in text else None


def _bytes_repr(kind: str, text: str) -> tuple[str, str] | None:
    return kind, repr(text.encode("utf-8"))


def _json_string(kind: str, text: str) -> tuple[str, str] | None:
    return kind, json.dumps({"host": "192.0.2.7", "response": text})


def _html_escaped(kind: str, text: str) -> tuple[str, str] | None:
    escaped = html.escape(text)
    return (kind, escaped) if escaped != text else None


def _cut(kind: str, text: str) -> tuple[str, str] | None:
    return (kind, text[: max(40, len(text) * 2 // 3)]) if len(text) > 120 else None


def _escaped_line_ends(kind: str, text: str) -> tuple[str, str] | None:
    # As dissectors print them: every line ending shown as a literal \r\n.
    if "\r\n" not in text:
        return None
    return kind, text.replace("\r\n", "\\r\\n\n")


_PREFIX = re.compile(r"(</?|xmlns:)([A-Za-z][\w.-]*):")
_LEAF = re.compile(r"<(?:[\w.-]+:)?([A-Za-z][\w.-]*)(?:\s[^<>]*)?>([^<>]{1,200})</")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _xml_prefixes(kind: str, text: str) -> tuple[str, str] | None:
    """Another SOAP stack's namespace prefixes (``tds:`` -> ``ns1:``...)."""
    names: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        new = names.setdefault(m.group(2), f"ns{len(names) + 1}")
        return f"{m.group(1)}{new}:"

    changed = _PREFIX.sub(sub, text)
    return (kind, changed) if changed != text else None


def _xml_printout(kind: str, text: str) -> tuple[str, str] | None:
    """The XML's leaves as a client library prints the parsed reply (``{'Model': 'X', ...}``)."""
    leaves = _LEAF.findall(text)
    if len(leaves) < 2:
        return None
    return kind, "{" + ", ".join(f"{k!r}: {v.strip()!r}" for k, v in leaves[:60]) + "}"


def _json_reformat(kind: str, text: str) -> tuple[str, str] | None:
    doc = _json_doc(text)
    return None if doc is None else (kind, json.dumps(doc, indent=2))


def _json_snake_keys(kind: str, text: str) -> tuple[str, str] | None:
    doc = _json_doc(text)
    if doc is None:
        return None

    def snake(node: object) -> object:
        if isinstance(node, dict):
            return {_CAMEL.sub(r"_\1", str(k)).lower(): snake(v) for k, v in node.items()}
        if isinstance(node, list):
            return [snake(v) for v in node]
        return node

    changed = json.dumps(snake(doc))
    return (kind, changed) if changed != json.dumps(doc) else None


def _json_doc(text: str) -> object | None:
    body = text.strip()
    if body[:1] not in "[{":
        return None
    try:
        doc: object = json.loads(body)
    except ValueError:
        return None
    return doc


def _as(new_kind: str) -> Variant:
    def apply(kind: str, text: str) -> tuple[str, str] | None:
        return (new_kind, text) if kind != new_kind else None

    return apply


VARIANTS: dict[str, Variant] = {
    "lf-line-ends": _lf,
    "curl -v (< prefix)": _lines("< "),
    "nmap script (| prefix)": _lines("| ", "|_"),
    "code block (indent 4)": _lines("    "),
    "header names lower": _headers(str.lower),
    "header names upper": _headers(str.upper),
    "python bytes repr": _bytes_repr,
    "inside a JSON string": _json_string,
    "html-escaped": _html_escaped,
    "line ends as \\r\\n text": _escaped_line_ends,
    "cut to 2/3": _cut,
    "other XML prefixes": _xml_prefixes,
    "XML as a printed dict": _xml_printout,
    "JSON pretty-printed": _json_reformat,
    "JSON keys snake_case": _json_snake_keys,
    "filed as banner": _as("banner"),
    "filed as http": _as("http"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", type=int, default=3, help="misses listed per variant")
    parser.add_argument(
        "--corpus", action="store_true", help="also re-present the ../shared/corpus items"
    )
    args = parser.parse_args(argv)
    tune = set(load_split()["tune"])
    ident = Identifier()
    base: list[tuple[str, str, str, str]] = []  # (id, kind, text, maker)
    for item in load_items():
        if item.id not in tune or item.kind not in _TEXT_KINDS or not isinstance(item.data, str):
            continue
        got = ident.identify([evidence_from_record({"kind": item.kind, "data": item.data})])
        if item.manufacturer is not None and got.manufacturer == item.manufacturer:
            base.append((item.id, item.kind, item.data, item.manufacturer))
    if args.corpus:
        for c in load_corpus():
            if c.kind not in _TEXT_KINDS or c.expected is None:
                continue
            try:
                text = c.path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue
            got = ident.identify([evidence_from_record({"kind": c.kind, "data": text})])
            if got.manufacturer == c.expected:
                base.append((f"corpus:{c.name}", c.kind, text, c.expected))
    rows = []
    for name, variant in VARIANTS.items():
        kept = tried = 0
        misses: list[str] = []
        for iid, kind, text, maker in base:
            changed = variant(kind, text)
            if changed is None:
                continue
            tried += 1
            new_kind, new_text = changed
            got = ident.identify([evidence_from_record({"kind": new_kind, "data": new_text})])
            if got.manufacturer == maker:
                kept += 1
            else:
                misses.append(f"{iid} ({kind}): {maker} -> {got.manufacturer}")
        rows.append({"variant": name, "tried": tried, "kept": kept, "misses": misses})
    print(f"== bench variants: {len(base)} items named right, re-presented\n")
    print("| re-presentation | still right |\n|---|---|")
    for r in rows:
        pct = f"{100 * r['kept'] / r['tried']:.0f}%" if r["tried"] else "-"
        print(f"| {r['variant']} | {r['kept']}/{r['tried']} ({pct}) |")
    for r in rows:
        if r["misses"] and args.show:
            print(f"\n{r['variant']}:")
            for m in r["misses"][: args.show]:
                print(f"  - {m}")
    RESULTS.mkdir(exist_ok=True)
    out = {"date": time.strftime("%Y-%m-%d %H:%M"), "base_items": len(base), "variants": rows}
    (RESULTS / "variants.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
