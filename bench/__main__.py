"""Run benchmarks: ``python -m bench NAME [ARGS...]`` or ``python -m bench all`` (``make bench``).

Names: accuracy (corpus, with nmap -sV side by side), eval (out-of-sample set bench/eval/, per
half), variants (tune items re-presented: curl -v, bytes repr, LF ends, other kinds...),
throughput (identification), importers
(1M Shodan records, 1M pcap packets), lab (5,000-device lab scale), scan (1,024-device lab
with hostile personas, camaudit vs nmap), scan5000 (5,000-device scan), nmap_lab (``import nmap`` of real
``nmap -sV --version-light`` output of a 64-device lab), fuzz (mutation
fuzzing of every parser of untrusted bytes; `--seconds`, `--inputs`; not part of ``all``),
isolation (hostile replies in 1,024 devices, kill -9 and resume), hostile (every hostile persona,
behaviours tried/survived, out-of-scope packets), reliability (runs the reliability suites, reads
fuzz.json and writes docs/reliability.md; not part of ``all``). Results go to
bench/results/; see bench/README.md. ``all`` takes about 20-30 minutes on 2 cores.
"""

from __future__ import annotations

import subprocess
import sys

COMMANDS: dict[str, list[str]] = {
    "accuracy": ["bench.accuracy"],
    "eval": ["bench.eval_set"],
    "variants": ["bench.variants"],
    "throughput": ["bench.throughput"],
    "importers": ["bench.importers_bench"],
    "lab": ["bench.lab_scale"],
    "scan": [
        "bench.scan_bench",
        "--devices",
        "1024",
        "--fleet",
        "bench-1024",
        "--subnet",
        "127.60.0.0/20",
    ],
    "scan5000": ["bench.scan_bench", "--devices", "5000", "--subnet", "127.64.0.0/18", "--no-nmap"],
    "fuzz": ["bench.fuzz"],
    "isolation": ["bench.isolation_bench"],
    "nmap_lab": ["bench.nmap_lab"],
    "hostile": ["bench.hostile_bench"],
    "reliability": ["bench.reliability"],
}

#: Run only when named (``make fuzz``): their budget is their own.
NOT_IN_ALL = frozenset({"fuzz", "reliability"})


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "all"
    names = [n for n in COMMANDS if n not in NOT_IN_ALL] if which == "all" else [which]
    unknown = [n for n in names if n not in COMMANDS]
    if unknown:
        print(
            f"unknown benchmark {which!r}; choose from: all, {', '.join(COMMANDS)}", file=sys.stderr
        )
        return 2
    rc = 0
    for name in names:
        args = COMMANDS[name] + (argv[1:] if which != "all" else [])
        print(f"== bench {name}", flush=True)
        # Each benchmark in its own process: peak-memory figures are then its own.
        rc |= subprocess.call([sys.executable, "-m", *args])
    return rc


raise SystemExit(main(sys.argv[1:]))
