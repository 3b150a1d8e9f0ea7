"""Regenerate src/camaudit/kb/oui_recent.yaml: MA-L blocks of KB makers that the bundled IEEE
registry (netaddr's oui.txt) does not hold yet.

    python scripts/oui_recent.py NMAP_MAC_PREFIXES --source "IEEE MA-L via nmap-mac-prefixes (...)"

Reads a newer listing of the IEEE MA-L registry (nmap's ``nmap-mac-prefixes``: ``XXXXXX Name``
lines, or IEEE's ``oui.txt``: ``XX-XX-XX (hex) Name`` lines), keeps the blocks the bundled
registry lacks whose registrant is a KB maker (an ``ieee:`` spelling of vendors.yaml, that
spelling without its company form, or a KB name or alias), and writes them with the maker they
resolve to. Review the diff: a registrant that merely starts like a KB maker is not taken.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from camaudit.identify.oui import load_oui_index
from camaudit.kb import KB_DIR, KnowledgeBase, load_kb_from, normalise_name

_NMAP = re.compile(r"^([0-9A-Fa-f]{6})\s+(.+?)\s*$")
_IEEE = re.compile(r"^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})\s+\(hex\)\s+(.+?)\s*$")
_FORMS = re.compile(r"\s+(?:co\s+ltd|co|ltd|limited|inc|llc|corp|corporation|gmbh|ag|s\s*a|b\s*v)$")


def listing(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("#"):
            continue
        m = _IEEE.match(line)
        if m:
            out.setdefault("".join(m.group(1, 2, 3)), m.group(4))
            continue
        m = _NMAP.match(line)
        if m:
            out.setdefault(m.group(1).upper(), m.group(2))
    return out


def _stem(name: str) -> str:
    n = normalise_name(name)
    while True:
        cut = _FORMS.sub("", n)
        if cut == n:
            return n
        n = cut


def maker_of(kb: KnowledgeBase, registrant: str, spellings: dict[str, str]) -> str | None:
    found = kb.resolve_ieee(registrant)
    if found is not None:
        return found.label
    maker = spellings.get(_stem(registrant))
    if maker is not None:
        return maker
    match = kb.resolve(registrant)
    return match.label if match is not None else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("listing", type=Path)
    parser.add_argument("--source", required=True, help="where the listing comes from")
    parser.add_argument("--out", type=Path, default=KB_DIR / "oui_recent.yaml")
    args = parser.parse_args(argv)
    kb = load_kb_from(KB_DIR)
    spellings: dict[str, str] = {}
    for v in kb.vendors.values():
        for s in v.ieee:
            spellings.setdefault(_stem(s), v.name)
    for b in kb.brands.values():
        for s in b.ieee:
            spellings.setdefault(_stem(s), b.name)
    bundled = load_oui_index().tables.get(6, {})
    blocks = []
    for prefix, registrant in sorted(listing(args.listing).items()):
        if prefix in bundled:
            continue
        maker = maker_of(kb, registrant, spellings)
        if maker is not None:
            blocks.append({"prefix": prefix, "registrant": registrant, "maker": maker})
    header = (
        "# MA-L blocks registered to makers the KB knows after the snapshot of the IEEE registry\n"
        "# that camaudit reads (netaddr's bundled oui.txt): the engine's MAC lookup adds them to the\n"
        "# registry (the registry's own entries win). Facts of the IEEE registry; regenerate with\n"
        "# scripts/oui_recent.py from a newer listing, and review the diff.\n"
    )
    body = yaml.safe_dump(
        {"source": args.source, "blocks": blocks},
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )
    args.out.write_text(header + body, encoding="utf-8")
    print(f"{len(blocks)} blocks written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
