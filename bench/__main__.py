"""Run the benchmarks: ``python -m bench [accuracy|throughput|all]`` (``make bench`` runs all).

Results go to bench/results/ (JSON, and Markdown where a table reads better).
"""

from __future__ import annotations

import sys

from bench import accuracy, throughput


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "all"
    rest = argv[1:]
    if which in ("accuracy", "all"):
        accuracy.main(rest if which == "accuracy" else [])
    if which in ("throughput", "all"):
        throughput.main(rest if which == "throughput" else [])
    if which not in ("accuracy", "throughput", "all"):
        print(f"unknown benchmark {which!r}: accuracy, throughput or all", file=sys.stderr)
        return 2
    return 0


raise SystemExit(main(sys.argv[1:]))
