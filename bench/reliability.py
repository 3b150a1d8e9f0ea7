"""The reliability and security figures of issue 15, in one command: ``python -m bench reliability``.

Runs (or reads) every suite and writes ``docs/reliability.md``:

* fuzzing: read from ``bench/results/fuzz.json`` as the last ``make fuzz`` left it (its date is
  printed; ``--fuzz`` runs it again first, about 10-15 minutes), and every kept crasher replayed;
* the hostile fleet: ``python -m bench hostile`` (behaviours tried / survived, out-of-scope
  packets from a capture);
* the reliability tests, run with pytest here (kill -9 at several points, imports, reports, two
  scans at once, a full disk, a read-only database, credentials, injection, out-of-scope
  discovery), each recording what it measured through ``tests/figures.py``;
* the isolation bench's kill -9 figure, read from ``bench/results/isolation.json``.

``--skip-tests`` reuses the test figures of the previous run (``bench/results/reliability.json``);
``--render-only`` rewrites the page from that file alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET  # our own pytest's junit file, not untrusted input
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "reliability.md"
SUITES = [
    "tests/bench/test_fuzz.py",
    "tests/cli/test_durability.py",
    "tests/cli/test_resume.py",
    "tests/cli/test_credentials_leak.py",
    "tests/cli/test_malformed_files.py",
    "tests/reports/test_injection.py",
    "tests/web/test_injection_pages.py",
    "tests/cli/test_terminal_controls.py",
    "tests/cli/test_oversight_html_controls.py",
    "tests/lab/test_lab_hostile_more.py",
    "tests/lab/test_lab_hostile_added.py",
    "tests/lab/test_lab_hostile_scan.py",
]


def _run(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 3600) -> int:
    print("$", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env, timeout=timeout)


def _crashers() -> dict[str, Any]:
    """Every kept crasher replayed through its harness (in this process)."""
    from bench.fuzz import outcome, safe_name, targets

    files = sorted((RESULTS / "fuzz-crashers").glob("*.bin"))
    with tempfile.TemporaryDirectory() as tmp:
        harnesses = targets(Path(tmp))
        results: Counter[str] = Counter()
        for path in files:
            match = [t for t in harnesses if path.name.startswith(safe_name(t.name) + "-")]
            results[outcome(match[0], path.read_bytes()) if len(match) == 1 else "unmatched"] += 1
    return {"files": len(files), "outcomes": dict(results)}


def _tests() -> dict[str, Any]:
    """Run the reliability suites; their pass/fail counts and the figures they recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        figures, junit = Path(tmp) / "figures.jsonl", Path(tmp) / "junit.xml"
        env = {**os.environ, "CAMAUDIT_FIGURES": str(figures)}
        started = time.monotonic()
        rc = _run(
            [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider",
             f"--junitxml={junit}", *SUITES],
            env=env,
        )  # fmt: skip
        suites: dict[str, dict[str, int]] = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("classname", "").replace(".", "/") + ".py"
            row = suites.setdefault(name, Counter())
            kinds = {child.tag for child in case}
            outcome = next((k for k in ("failure", "error", "skipped") if k in kinds), "passed")
            row[outcome] += 1
        records = (
            [json.loads(line) for line in figures.read_text().splitlines()]
            if figures.exists()
            else []
        )
    return {
        "rc": rc,
        "seconds": round(time.monotonic() - started),
        "suites": {k: dict(v) for k, v in suites.items()},
        "records": records,
    }


def _read(name: str) -> dict[str, Any]:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def collect(args: argparse.Namespace) -> dict[str, Any]:
    if args.fuzz:
        _run([sys.executable, "-m", "bench.fuzz"])
    previous = _read("reliability.json")
    tests = previous["tests"] if args.skip_tests and previous else _tests()
    _run([sys.executable, "-m", "bench.hostile_bench"])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "fuzz": _read("fuzz.json"),
        "crashers": _crashers(),
        "hostile": _read("hostile.json"),
        "isolation": _read("isolation.json"),
        "tests": tests,
    }


# -- the document ------------------------------------------------------------------------------


def _of(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r.get("kind") == kind]


def _suite(tests: dict[str, Any], name: str) -> str:
    row = tests["suites"].get(name, {})
    total = sum(row.values())
    bad = row.get("failure", 0) + row.get("error", 0)
    skipped = row.get("skipped", 0)
    if not total:
        return "not run"
    return f"{total - bad - skipped}/{total} passed" + (f", {skipped} skipped" if skipped else "")


def _table(data: dict[str, Any]) -> list[str]:
    fuzz, hostile, tests = data["fuzz"], data["hostile"], data["tests"]
    rec = tests["records"]
    kills = _of(rec, "kill9")
    iso = data["isolation"].get("kill_9_resume") or {}
    creds = _of(rec, "credentials")
    inject = _of(rec, "injection")
    web = _of(rec, "injection_web")
    controls = _of(rec, "injection_controls")
    oos = _of(rec, "out_of_scope")
    outs = [r["sent"] for r in oos] + (
        [hostile["out_of_scope_packets_sent"]]
        if hostile.get("out_of_scope_packets_sent") is not None
        else []
    )
    crash = data["crashers"]
    inside = crash["outcomes"].get("ok", 0) + crash["outcomes"].get("error", 0)
    harnesses = len(fuzz.get("targets", {}))
    rows = [
        (
            "Fuzzing: inputs",
            f"{fuzz.get('inputs', 0):,} over {harnesses} harnesses",
            f"`make fuzz`, {fuzz.get('date', '?')}, {fuzz.get('wall_seconds', '?')} s",
        ),
        (
            "Fuzzing: escapes from the error tree",
            str(fuzz.get("escapes", "?")),
            "an exception outside camaudit.errors",
        ),
        (
            "Fuzzing: hangs (> 2 s per input)",
            str(fuzz.get("hangs", "?")),
            f"peak RSS {fuzz.get('peak_rss_mb', '?')} MB",
        ),
        (
            "Fuzzing: contained by an isolation boundary",
            str(fuzz.get("isolated", "?")),
            "each kept as a crasher (a regression test once fixed)",
        ),
        (
            "Crashers replayed as regression tests",
            f"{inside}/{crash['files']} inside the error tree",
            "`tests/bench/test_fuzz.py`",
        ),
        (
            "Hostile behaviours tried / survived",
            f"{hostile.get('tried', '?')} / {hostile.get('survived', '?')} (of {hostile.get('behaviours', '?')}, {hostile.get('personas', '?')} personas)",
            f"`python -m bench hostile`: {hostile.get('wall_seconds', '?')} s (bound {hostile.get('bound_seconds', '?')} s), peak {hostile.get('peak_rss_mb', '?')} MB, makers named {hostile.get('makers_named', '?')}",
        ),
        (
            "Out-of-scope packets sent",
            f"{sum(outs)} in {len(outs)} captured scans"
            if outs
            else "not measured (needs tcpdump, root)",
            f"spoofed replies received: {sum(r['replies'] for r in oos)}; devices recorded out of scope: {hostile.get('recorded_out_of_scope', '?')}",
        ),
        (
            "kill -9 runs / evidence lost",
            f"{len(kills) + (1 if iso else 0)} / {sum(int(k['evidence_lost']) for k in kills)}",
            ", ".join(f"{k['during']} at {k['at']}" for k in kills)
            + (
                f"; isolation bench ({data['isolation'].get('date', '?')}): killed after {iso.get('killed_after_jobs', '?'):,} of {iso.get('jobs_total', '?'):,} jobs, same {iso.get('devices', '?')} devices: {iso.get('same_devices_as_uninterrupted')}"
                if iso
                else ""
            ),
        ),
        (
            "Two scans into one SQLite file",
            "ok"
            if all(r["same"] for r in _of(rec, "concurrent")) and _of(rec, "concurrent")
            else "FAILED or not run",
            _suite(tests, "tests/cli/test_durability.py"),
        ),
        ("Disk full (4 MB tmpfs)", _message(_of(rec, "disk_full")), "exit code 3, store unchanged"),
        ("Read-only database", _message(_of(rec, "read_only")), "exit code 3, store unchanged"),
        (
            "Credential leaks",
            f"{sum(c['leaks'] for c in creds)} in {sum(c['places'] for c in creds)} places searched"
            if creds
            else "not run",
            f"{creds[0]['secrets'] if creds else 0} secrets (passwords, Basic tokens); DB dump, WAL, debug log, stdout/stderr, every report format",
        ),
        (
            "Injection cases",
            f"{sum(r['formats'] for r in inject)} report cases ({len(inject)} payloads x {max((r['formats'] for r in inject), default=0)} formats, 4 device fields each); {sum(r['pages'] for r in web)} web pages with {web[0]['payloads'] if web else 0} hostile values, {sum(r['live'] for r in web)} live; control characters in {len(controls)} more outputs ({', '.join(r['output'] for r in controls) or 'not run'}), {sum(r['live'] for r in controls)} raw",
            f"reports: {_suite(tests, 'tests/reports/test_injection.py')}; web: {_suite(tests, 'tests/web/test_injection_pages.py')}; terminal: {_suite(tests, 'tests/cli/test_terminal_controls.py')}; oversight: {_suite(tests, 'tests/cli/test_oversight_html_controls.py')}",
        ),
    ]
    out = ["| measure | figure | how / notes |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return out


def _message(records: list[dict[str, Any]]) -> str:
    if not records:
        return "not run (needs root)"
    r = records[0]
    text = re.sub(r"'sqlite:///[^']*/", "'sqlite:///.../", r["message"]).replace("|", "/")
    return f"exit {r['code']}: `{text}`"


def render(data: dict[str, Any]) -> str:
    fuzz, tests = data["fuzz"], data["tests"]
    lines = [
        "# Reliability and security figures",
        "",
        f"Generated by `python -m bench reliability` on {data['date']} (2-core machine shared with",
        "other jobs). Fuzz figures are those of the last `make fuzz`"
        f" ({fuzz.get('date', 'never run')}); everything else was run by this command.",
        "",
        *_table(data),
        "",
        "## Fuzzing, per harness",
        "",
        "| harness | inputs | escapes | isolated | hangs | slowest (ms) | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, t in fuzz.get("targets", {}).items():
        lines.append(
            f"| {name} | {t['inputs']:,} | {t['escapes']} | {t['isolated']} | {t['hangs']} "
            f"| {t['slowest_ms']} | {t.get('peak_rss_mb', '')} |"
        )
    lines += [
        "",
        "## Hostile behaviours",
        "",
        "| persona | port | behaviour | result |",
        "|---|---|---|---|",
    ]
    for r in data["hostile"].get("rows", []):
        lines.append(
            f"| {r['persona']} | {r['port']} | {r['kind']} | {'survived' if r['survived'] else r['why']} |"
        )
    lines += ["", "## Suites run", "", f"pytest exit code {tests['rc']}, {tests['seconds']} s.", ""]
    lines += ["| suite | result |", "|---|---|"]
    lines += [f"| `{name}` | {_suite(tests, name)} |" for name in SUITES]
    lines += [
        "",
        "## Reproduce",
        "",
        "`make fuzz` (about 5 minutes on a quiet 2-core machine; writes `bench/results/fuzz.json`",
        "and new crashers to `bench/results/fuzz-crashers/`), then `python -m bench reliability`",
        "(about 3 minutes; as root for the capture, the tmpfs and the read-only mount).",
        "`--render-only` rewrites this page from `bench/results/reliability.json` without running",
        "anything.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench reliability", description=__doc__)
    ap.add_argument("--fuzz", action="store_true", help="run `make fuzz` first")
    ap.add_argument("--skip-tests", action="store_true", help="reuse the last run's test figures")
    ap.add_argument("--render-only", action="store_true", help="only rewrite the page")
    ap.add_argument("--out", type=Path, default=DOC)
    args = ap.parse_args(argv)
    if args.render_only:
        data = _read("reliability.json")
    else:
        data = collect(args)
        (RESULTS / "reliability.json").write_text(json.dumps(data, indent=2) + "\n")
    args.out.write_text(render(data))
    print(f"wrote {args.out}")
    return 0 if data["tests"]["rc"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
