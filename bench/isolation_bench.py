"""Fault-isolation benchmark (issue 16): hostile replies mixed into 1,024 ordinary devices.

    python -m bench isolation [--subnet 127.72.0.0/20]

1. A clean lab of 1,024 ordinary devices is scanned.
2. The ``isolation-1024`` fleet (the same 1,024 ordinary devices plus 24 whose replies once
   stopped whole audits: XML declaring an unknown encoding, certificates of version 5 and of
   261 KB) is scanned: the scan must complete, every ordinary device must be identified as in
   the clean run, and every hostile device must carry a note saying what was wrong.
3. The mixed scan is killed with SIGKILL part-way and resumed: it must reach the same devices.

Writes bench/results/isolation.json and prints the figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scan_bench import start_lab
from camaudit.lab.fleet import FLEET_DIR
from camaudit.net.scope import covering_block

RESULTS = Path(__file__).parent / "results"
NOTES = {
    "hostile-xml-encoding": "not an allowed XML encoding",
    "hostile-cert-version": "read tolerantly",
    "hostile-cert-oversized": "cut at a byte cap",
}


def _scan_cmd(block: str, offset: int, db: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "camaudit",
        "scan",
        block,
        "--db",
        f"sqlite:///{db}",
        "--quiet",
        "--rate",
        "0",
        "--concurrency",
        "1024",
        "--timeout",
        "2",
        "--port-offset",
        str(offset),
        *extra,
    ]


def _lab(
    fleet_file: Path, subnet: str, work: Path
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    truth = work / f"truth-{fleet_file.stem}.json"
    proc = start_lab(1, subnet, truth, str(fleet_file))  # the spec sets the device count
    return proc, json.loads(truth.read_text())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)


def _jobs(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("select count(*) from scan_jobs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _scan(block: str, offset: int, db: Path, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        _scan_cmd(block, offset, db, "--json", str(out)),
        check=True,
        env={**os.environ, "CAMAUDIT_DB": ""},
    )
    return time.perf_counter() - t0


def _profile(devices: list[dict[str, Any]], truth: dict[str, Any]) -> collections.Counter[tuple]:
    persona = {d["ip"]: d["persona"] for d in truth["devices"]}
    return collections.Counter(
        (persona.get(d["ip"]), d["manufacturer"], d["brand"], d["device_type"])
        for d in devices
        if d["ip"] in persona and not str(persona.get(d["ip"])).startswith("hostile-")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench isolation", description=__doc__)
    ap.add_argument("--subnet", default="127.72.0.0/20")
    ap.add_argument("--clean-subnet", default="127.76.0.0/20")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M")}
    env = {**os.environ, "CAMAUDIT_DB": ""}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clean_fleet = work / "clean-1024.yaml"
        clean_fleet.write_text(
            f"description: the ordinary devices of isolation-1024 alone\nseed: 1024\n"
            f"subnet: {args.clean_subnet}\ndevices: 1024\nshuffle: true\n"
        )
        lab, truth = _lab(clean_fleet, args.clean_subnet, work)
        try:
            block = covering_block(d["ip"] for d in truth["devices"])
            wall = _scan(block, truth["port_offset"], work / "clean.db", work / "clean.json")
            clean = json.loads((work / "clean.json").read_text())
            result["clean"] = {"devices": len(clean), "wall_seconds": round(wall, 1)}
            clean_profile = _profile(clean, truth)
        finally:
            _stop(lab)

        lab, truth = _lab(FLEET_DIR / "isolation-1024.yaml", args.subnet, work)
        try:
            block = covering_block(d["ip"] for d in truth["devices"])
            offset = truth["port_offset"]
            wall = _scan(block, offset, work / "mixed.db", work / "mixed.json")
            mixed = json.loads((work / "mixed.json").read_text())
            persona = {d["ip"]: d["persona"] for d in truth["devices"]}
            hostile = [d for d in mixed if str(persona.get(d["ip"])).startswith("hostile-")]
            noted = [
                d for d in hostile if any(NOTES[persona[d["ip"]]] in n for n in d.get("notes", []))
            ]
            expected_hostile = sum(1 for p in persona.values() if p.startswith("hostile-"))
            mixed_profile = _profile(mixed, truth)
            result["mixed"] = {
                "devices": len(mixed),
                "wall_seconds": round(wall, 1),
                "ordinary_identified_as_in_clean_run": mixed_profile == clean_profile,
                "ordinary_differences": [str(k) for k in (mixed_profile ^ clean_profile) if k][:20],
                "hostile_devices": expected_hostile,
                "hostile_found": len(hostile),
                "hostile_with_note": len(noted),
                "hostile_named_a_maker": sum(1 for d in hostile if d["manufacturer"]),
            }

            killed_db = work / "killed.db"
            proc = subprocess.Popen(_scan_cmd(block, offset, killed_db), env=env)
            total = _jobs(work / "mixed.db")
            deadline = time.monotonic() + 300
            while (
                _jobs(killed_db) < total // 3
                and proc.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)  # polling for progress, not waiting out a race
            killed_at = _jobs(killed_db)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            resumed_out = work / "resumed.json"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "camaudit",
                    "scan",
                    "--resume",
                    "--db",
                    f"sqlite:///{killed_db}",
                    "--quiet",
                    "--json",
                    str(resumed_out),
                ],
                check=True,
                env=env,
            )
            resumed = json.loads(resumed_out.read_text())

            def summary(devs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
                return sorted((d["ip"], d["manufacturer"], d["model"]) for d in devs)

            result["kill_9_resume"] = {
                "jobs_total": total,
                "killed_after_jobs": killed_at,
                "same_devices_as_uninterrupted": summary(resumed) == summary(mixed),
                "devices": len(resumed),
            }
        finally:
            _stop(lab)
    ok = (
        result["mixed"]["ordinary_identified_as_in_clean_run"]
        and result["mixed"]["hostile_with_note"] == result["mixed"]["hostile_devices"]
        and result["mixed"]["hostile_named_a_maker"] == 0
        and result["kill_9_resume"]["same_devices_as_uninterrupted"]
    )
    result["passed"] = bool(ok)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "isolation.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
