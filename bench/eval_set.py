"""Out-of-sample identification check on bench/eval/ (real device responses, never tuned on).

    python -m bench.eval_set [--half tune|holdout|both] [--show-misses] [--resplit]

Runs each half of bench/eval/items.jsonl through the real ``camaudit identify --batch --json``
command (a fresh process per half) and scores, per half: manufacturer accuracy (null == null),
Hikvision/Dahua family recall, false restricted claims, "unknown" kept on negatives, and
per-kind / per-maker tables. Writes bench/results/eval.json. Miss details are printed and stored
for the tune half only, so that tuning cannot peek at the holdout. ``--resplit`` rewrites
bench/eval/split.json from the items (deterministic, by source). See bench/eval/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

EVAL_DIR = Path(__file__).parent / "eval"
ITEMS = EVAL_DIR / "items.jsonl"
SPLIT = EVAL_DIR / "split.json"
RESULTS = Path(__file__).parent / "results"
VENDORS = Path(__file__).resolve().parents[1] / "src" / "camaudit" / "kb" / "vendors.yaml"
#: The corporate families whose recall must be 100% and that must never be claimed for other kit.
FAMILIES = ("hikvision", "dahua")


@dataclass(frozen=True, slots=True)
class EvalItem:
    id: str
    kind: str
    data: str | dict[str, Any]
    manufacturer: str | None
    family: str | None
    brand: str | None
    source: str
    licence: str
    notes: str

    @property
    def group(self) -> str:
        """The split unit: one source (a file in a repository, an issue, a page)."""
        return source_group(self.source)


def source_group(source: str) -> str:
    """``github:owner/repo:path@commit (part)`` -> ``owner/repo:path``; a URL -> the URL."""
    head = source.split(" ", 1)[0]
    if head.startswith("github:"):
        return head.removeprefix("github:").rsplit("@", 1)[0]
    return head.split("#", 1)[0].rstrip("/")


def load_items(path: Path = ITEMS) -> list[EvalItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        exp = rec["expect"]
        items.append(
            EvalItem(
                id=rec["id"],
                kind=rec["kind"],
                data=rec["data"],
                manufacturer=exp.get("manufacturer"),
                family=exp.get("family"),
                brand=exp.get("brand"),
                source=rec["source"],
                licence=rec.get("licence", ""),
                notes=rec.get("notes", ""),
            )
        )
    return items


def family_map(path: Path = VENDORS) -> dict[str, str]:
    """Lower-cased vendor/brand name -> restricted family, from vendors.yaml names and links.

    A ``partial`` brand (Panasonic, Honeywell, Swann...: only some product lines are OEM) is left
    out: the KB says its label alone does not establish the maker, and the engine never claims
    the family from it, so a brand-only answer of such a label is not a restricted claim."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fam: dict[str, str] = {}
    for v in doc.get("vendors", []):
        if v["name"].lower() in FAMILIES:
            fam[v["name"].lower()] = v["name"].lower()
    for b in doc.get("brands", []):
        parent = str(b.get("manufacturer") or "").lower()
        if parent in FAMILIES and not b.get("partial", False):
            fam[b["name"].lower()] = parent
    return fam


def family_of(name: str | None, fam: dict[str, str]) -> str | None:
    return fam.get(name.lower()) if name else None


# ----------------------------------------------------------------------------- split
def make_split(items: list[EvalItem]) -> dict[str, list[str]]:
    """Two halves by source group, greedy-balanced on kind and maker counts; deterministic."""
    groups: dict[str, list[EvalItem]] = defaultdict(list)
    for it in items:
        groups[it.group].append(it)

    def key(g: str) -> tuple[int, str]:
        return (-len(groups[g]), hashlib.sha256(g.encode()).hexdigest())

    halves: dict[str, list[EvalItem]] = {"tune": [], "holdout": []}
    feats: dict[str, Counter[str]] = {"tune": Counter(), "holdout": Counter()}

    def features(its: list[EvalItem]) -> Counter[str]:
        c: Counter[str] = Counter()
        for it in its:
            c["n"] += 1
            c["kind:" + it.kind] += 1
            c["maker:" + str(it.manufacturer)] += 1
            c["family:" + str(it.family)] += 1
        return c

    for g in sorted(groups, key=key):
        f = features(groups[g])

        def cost(side: str, f: Counter[str] = f) -> int:
            other = "holdout" if side == "tune" else "tune"
            trial = feats[side] + f
            return sum((trial[k] - feats[other][k]) ** 2 for k in set(trial) | set(feats[other]))

        side = min(("tune", "holdout"), key=lambda s: (cost(s), s))
        halves[side].extend(groups[g])
        feats[side] += f
    return {h: sorted(it.id for it in its) for h, its in halves.items()}


def load_split(path: Path = SPLIT) -> dict[str, list[str]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {"tune": list(doc["tune"]), "holdout": list(doc["holdout"])}


# ----------------------------------------------------------------------------- run + score
def run_batch(items: list[EvalItem]) -> list[dict[str, Any]]:
    """The real CLI path: one `camaudit identify --batch FILE --json` process for the half."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "half.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for it in items:
                fh.write(json.dumps({"kind": it.kind, "data": it.data, "source": it.id}) + "\n")
        proc = subprocess.run(
            [sys.executable, "-m", "camaudit", "identify", "--batch", str(path), "--json"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"camaudit identify failed ({proc.returncode}): {proc.stderr[-2000:]}")
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(out) != len(items):
        raise RuntimeError(f"{len(items)} items in, {len(out)} identities out")
    return out


def score(
    items: list[EvalItem], identities: list[dict[str, Any]], fam: dict[str, str]
) -> dict[str, Any]:
    right = 0
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_maker: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    recall = {f: [0, 0] for f in FAMILIES}
    false_claims, negatives_kept, negatives, misses = [], 0, 0, []
    for it, ident in zip(items, identities, strict=True):
        got = ident.get("manufacturer")
        ok = got == it.manufacturer
        right += ok
        per_kind[it.kind][0] += ok
        per_kind[it.kind][1] += 1
        maker = it.manufacturer or "(none)"
        per_maker[maker][0] += ok
        per_maker[maker][1] += 1
        got_family = family_of(got, fam) or family_of(ident.get("brand"), fam)
        if it.family in recall:
            recall[it.family][1] += 1
            recall[it.family][0] += got_family == it.family
        if got_family in FAMILIES and got_family != it.family:
            false_claims.append(it.id)
        if it.manufacturer is None:
            negatives += 1
            negatives_kept += got is None
        if not ok:
            misses.append(
                {
                    "id": it.id,
                    "kind": it.kind,
                    "expected": it.manufacturer,
                    "got": got,
                    "brand_got": ident.get("brand"),
                    "rules": [e.get("rule") for e in ident.get("evidence", [])][:5],
                }
            )
    n = len(items)
    return {
        "items": n,
        "right": right,
        "accuracy": round(right / n, 4) if n else None,
        "family_recall": {f: f"{v[0]}/{v[1]}" for f, v in recall.items()},
        "false_restricted_claims": false_claims,
        "negatives_unknown_kept": f"{negatives_kept}/{negatives}",
        "per_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_kind.items())},
        "per_maker": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_maker.items())},
        "misses": misses,
    }


def _count(x: list[str] | int) -> int:
    return x if isinstance(x, int) else len(x)


def render(name: str, r: dict[str, Any], show_misses: bool) -> str:
    lines = [
        f"## {name}: {r['items']} items",
        f"manufacturer accuracy   {r['right']}/{r['items']} ({(r['accuracy'] or 0):.1%})",
        "family recall           " + ", ".join(f"{f} {v}" for f, v in r["family_recall"].items()),
        f"false restricted claims {_count(r['false_restricted_claims'])}",
        f"unknown kept (negatives) {r['negatives_unknown_kept']}",
        "",
        "| kind | right/items |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in r["per_kind"].items()]
    lines += ["", "| maker | right/items |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in r["per_maker"].items()]
    if show_misses:
        lines += ["", "misses:"]
        lines += [
            f"- {m['id']} ({m['kind']}): expected {m['expected']}, got {m['got']}"
            for m in r["misses"]
        ] or ["- none"]
        if isinstance(r["false_restricted_claims"], list) and r["false_restricted_claims"]:
            lines.append("false restricted claims: " + ", ".join(r["false_restricted_claims"]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--half", choices=("tune", "holdout", "both"), default="both")
    parser.add_argument("--show-misses", action="store_true", help="list misses (tune half only)")
    parser.add_argument("--resplit", action="store_true", help="rewrite split.json and exit")
    args = parser.parse_args(argv)
    items = load_items()
    if args.resplit:
        SPLIT.write_text(json.dumps(make_split(items), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {SPLIT}")
        return 0
    split = load_split()
    by_id = {it.id: it for it in items}
    fam = family_map()
    halves = ("tune", "holdout") if args.half == "both" else (args.half,)
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "items": len(items)}
    for half in halves:
        its = [by_id[i] for i in split[half]]
        t0 = time.perf_counter()
        r = score(its, run_batch(its), fam)
        r["seconds"] = round(time.perf_counter() - t0, 2)
        show = args.show_misses and half == "tune"
        if half != "tune":  # the holdout's misses are not to be read while tuning
            r["misses"] = len(r["misses"])
            r["false_restricted_claims"] = len(r["false_restricted_claims"])
        result[half] = r
        print(render(half, r, show))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "eval.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
