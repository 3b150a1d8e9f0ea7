"""Identification accuracy on the labelled corpus, with ``nmap -sV`` on the same items.

    python -m bench.accuracy [--no-nmap]

Writes bench/results/accuracy.json and accuracy.md. Scores the manufacturer (who built it):
overall, per evidence kind, per family; recall of the Hikvision and Dahua families; and false
claims of a restricted maker on other kit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.corpus import RESTRICTED_FAMILIES, CorpusItem, load_corpus
from camaudit.identify import Identifier
from camaudit.models import Evidence, EvidenceKind

RESULTS = Path(__file__).parent / "results"


def score(items: list[CorpusItem], predicted: dict[str, str | None]) -> dict[str, Any]:
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses, false_restricted = [], []
    right = 0
    for item in items:
        got = predicted.get(item.name)
        ok = got == item.expected
        right += ok
        per_kind[item.kind][0] += ok
        per_kind[item.kind][1] += 1
        fam = item.expected or "(none)"
        per_family[fam][0] += ok
        per_family[fam][1] += 1
        if not ok:
            misses.append(
                {"item": item.name, "kind": item.kind, "expected": item.expected, "got": got}
            )
        if got in RESTRICTED_FAMILIES and item.expected != got:
            false_restricted.append(item.name)
    restricted_items = [i for i in items if i.expected in RESTRICTED_FAMILIES]
    recall = {
        fam: f"{sum(predicted.get(i.name) == fam for i in restricted_items if i.expected == fam)}/"
        f"{sum(i.expected == fam for i in restricted_items)}"
        for fam in RESTRICTED_FAMILIES
    }
    return {
        "items": len(items),
        "right": right,
        "accuracy": round(right / len(items), 4) if items else None,
        "per_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_kind.items())},
        "per_family": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_family.items())},
        "family_recall": recall,
        "false_restricted_claims": false_restricted,
        "misses": misses,
    }


def camaudit_predictions(items: list[CorpusItem]) -> tuple[dict[str, str | None], float]:
    ident = Identifier()
    t0 = time.perf_counter()
    out = {
        item.name: ident.identify(
            [Evidence(EvidenceKind(item.kind), item.path.read_bytes())]
        ).manufacturer
        for item in items
    }
    return out, time.perf_counter() - t0


def nmap_predictions(
    items: list[CorpusItem],
) -> tuple[dict[str, str | None], dict[str, str], float]:
    from bench.nmap_replay import maker_named, replay, run_nmap

    kb = Identifier().kb
    t0 = time.perf_counter()
    with replay(items) as ports:
        seen = run_nmap(sorted(ports))
    elapsed = time.perf_counter() - t0
    said = {ports[p].name: text for p, text in seen.items() if p in ports}
    return {name: maker_named(text, kb) for name, text in said.items()}, said, elapsed


def markdown(result: dict[str, Any]) -> str:
    c, n = result["camaudit"], result.get("nmap")
    lines = [
        "# Identification accuracy on ../shared/corpus",
        "",
        f"Run {result['date']}; {c['items']} labelled items. Manufacturer accuracy (who built it).",
        "",
        "| | camaudit | nmap -sV |",
        "|---|---|---|",
        f"| overall | {c['right']}/{c['items']} ({c['accuracy']:.1%}) | "
        + (f"{n['right']}/{n['items']} ({n['accuracy']:.1%})" if n else "not run")
        + " |",
    ]
    for fam in RESTRICTED_FAMILIES:
        lines.append(
            f"| {fam} family recall | {c['family_recall'][fam]} | {n['family_recall'][fam] if n else '-'} |"
        )
    lines.append(
        f"| false restricted claims | {len(c['false_restricted_claims'])} | {len(n['false_restricted_claims']) if n else '-'} |"
    )
    lines += ["", "## Per evidence kind", "", "| kind | camaudit | nmap -sV |", "|---|---|---|"]
    for kind, v in c["per_kind"].items():
        lines.append(f"| {kind} | {v} | {n['per_kind'].get(kind, '-') if n else '-'} |")
    lines += ["", "## Per family", "", "| family | camaudit | nmap -sV |", "|---|---|---|"]
    for fam, v in c["per_family"].items():
        lines.append(f"| {fam} | {v} | {n['per_family'].get(fam, '-') if n else '-'} |")
    lines += ["", "## camaudit misses", ""]
    lines += [
        f"- `{m['item']}` ({m['kind']}): expected {m['expected']}, got {m['got']}"
        for m in c["misses"]
    ] or ["- none"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-nmap", action="store_true", help="skip the nmap comparison")
    args = parser.parse_args(argv)
    items = load_corpus()
    if not items:
        print("corpus not found (../shared/corpus): nothing to measure", file=sys.stderr)
        return 0
    preds, elapsed = camaudit_predictions(items)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "camaudit": {**score(items, preds), "seconds": round(elapsed, 3)},
    }
    if not args.no_nmap:
        npreds, said, nelapsed = nmap_predictions(items)
        result["nmap"] = {**score(items, npreds), "seconds": round(nelapsed, 1), "said": said}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "accuracy.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "accuracy.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
