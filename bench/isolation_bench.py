"""Fault-isolation benchmark (issue 16): hostile replies mixed into 1,024 ordinary devices.

    python -m bench isolation [--subnet 127.72.0.0/20]

1. The ordinary 1,024 devices of the fleet alone (same addresses, models, firmware) are scanned.
2. The ``isolation-1024`` fleet (the same 1,024 ordinary devices plus 24 whose replies once
   stopped whole audits: XML declaring an unknown encoding, certificates of version 5 and of
   261 KB) is scanned: the scan must complete, every ordinary device must be identified as in
   the clean run, and every hostile device must carry a note saying what was wrong.
3. The mixed scan is killed with SIGKILL part-way and resumed: it must reach the same devices.

Writes bench/results/isolation.json and prints the figures.
"""

from __future__ import annotations

import argparse
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
    subnet: str, work: Path, *, hostile: bool
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """The isolation-1024 fleet on ``subnet`` in a process of its own, with or without its
    hostile devices (the ordinary devices are then identical, address for address)."""
    truth = work / f"truth-{'mixed' if hostile else 'clean'}.json"
    if hostile:  # the spec sets the device count
        return start_lab(1, subnet, truth, "isolation-1024"), _wait_truth(truth)
    cmd = [sys.executable, "-m", "bench.isolation_bench", "--serve-clean", subnet, str(truth)]
    proc: subprocess.Popen[bytes] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    return proc, _wait_truth(truth, proc)


def _wait_truth(truth: Path, proc: subprocess.Popen[bytes] | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while not truth.exists():  # written once every device is bound
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError("lab did not start")
        time.sleep(0.2)
    return dict(json.loads(truth.read_text()))


def serve_clean(subnet: str, truth: str) -> None:
    """Serve the ordinary devices of isolation-1024 alone (for the clean run)."""
    from camaudit.lab import build_fleet, run_forever

    fleet = build_fleet(spec="isolation-1024", subnet=subnet)
    fleet.devices = [d for d in fleet.devices if not d.persona.startswith("hostile-")]
    run_forever(fleet, truth)


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


def _profile(devices: list[dict[str, Any]], truth: dict[str, Any]) -> set[tuple[Any, ...]]:
    """What the scan said of each ordinary device (address, maker, label, model, firmware, type)."""
    persona = {d["ip"]: d["persona"] for d in truth["devices"]}
    return {
        tuple(d.get(k) for k in ("ip", "manufacturer", "brand", "model", "firmware", "device_type"))
        for d in devices
        if d["ip"] in persona and not str(persona.get(d["ip"])).startswith("hostile-")
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench isolation", description=__doc__)
    ap.add_argument("--subnet", default="127.72.0.0/20")
    ap.add_argument("--serve-clean", nargs=2, metavar=("SUBNET", "TRUTH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_clean:
        serve_clean(*args.serve_clean)
        return 0
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M")}
    env = {**os.environ, "CAMAUDIT_DB": ""}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lab, truth = _lab(args.subnet, work, hostile=False)
        try:
            block = covering_block(d["ip"] for d in truth["devices"])
            wall = _scan(block, truth["port_offset"], work / "clean.db", work / "clean.json")
            clean = json.loads((work / "clean.json").read_text())
            result["clean"] = {"devices": len(clean), "wall_seconds": round(wall, 1)}
            clean_profile = _profile(clean, truth)
        finally:
            _stop(lab)

        lab, truth = _lab(args.subnet, work, hostile=True)
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
                "ordinary_differences": [
                    str(k) for k in sorted(mixed_profile ^ clean_profile, key=str)
                ][:20],
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
