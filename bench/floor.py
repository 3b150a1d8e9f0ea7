"""The JSON-lines floor of ``identify --batch``: read and write the same lines, identify nothing.

    python -m bench.floor FILE.jsonl > /dev/null

Reads the evidence records with camaudit's own reader (``json.loads`` and validation into
``Evidence``) and writes one JSON line per record (an empty identity), as the CLI does with its
answers. bench/throughput.py runs it in the same run as ``identify --batch`` on the same file and
reports the ratio of the two.
"""

from __future__ import annotations

import json
import sys

from camaudit.evidence import read_jsonl
from camaudit.models import Identity


def main(argv: list[str]) -> int:
    out = sys.stdout
    for _ in read_jsonl(argv[0]):
        out.write(json.dumps(Identity().to_dict(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
