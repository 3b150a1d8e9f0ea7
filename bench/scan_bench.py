"""Scan benchmark: a lab fleet (hostile personas mixed in when the lab has them), camaudit's scan
against ``nmap -sV --version-light -T4`` on the same addresses and ports.

    python -m bench.scan_bench [--devices 1024] [--subnet 127.60.0.0/20] [--no-nmap]

Both tools run as separate processes against a lab served by a third (``camaudit lab run``).
Reports wall time, peak memory and manufacturer accuracy against the lab's ground truth,
including recall of the Hikvision and Dahua families. Writes bench/results/scan_<N>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.nmap_replay import maker_named
from camaudit.kb import load_kb
from camaudit.net.scope import covering_block
from camaudit.probes import DEFAULT_PROBES

RESULTS = Path(__file__).parent / "results"
FAMILIES = ("Hikvision", "Dahua")


def start_lab(devices: int, subnet: str, truth: Path, spec: str | None) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "camaudit",
        "lab",
        "run",
        "--devices",
        str(devices),
        "--subnet",
        subnet,
        "--truth",
        str(truth),
    ]
    if spec:
        from camaudit.lab.fleet import FLEET_DIR

        packaged = FLEET_DIR / f"{spec}.yaml"
        cmd += ["--fleet", str(packaged if packaged.exists() else spec)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not truth.exists():  # the lab writes its ground truth once every device is bound
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"lab did not start: {err[-2000:]}")
        time.sleep(0.2)
    return proc


def score(truth: list[dict[str, Any]], found: dict[str, str | None]) -> dict[str, Any]:
    real = [d for d in truth if d.get("manufacturer")]
    right = sum(1 for d in real if found.get(d["ip"]) == d["manufacturer"])
    recall = {}
    for fam in FAMILIES:
        members = [d for d in real if d["manufacturer"] == fam]
        recall[fam] = f"{sum(found.get(d['ip']) == fam for d in members)}/{len(members)}"
    hostile = [d["ip"] for d in truth if not d.get("manufacturer")]
    false = [ip for ip in hostile if found.get(ip) in FAMILIES]
    false += [
        d["ip"]
        for d in real
        if found.get(d["ip"]) in FAMILIES and d["manufacturer"] != found.get(d["ip"])
    ]
    return {
        "devices": len(real),
        "hostile": len(hostile),
        "right": right,
        "accuracy": round(right / len(real), 4) if real else None,
        "family_recall": recall,
        "false_restricted_claims": false,
        "misses": [
            {
                "ip": d["ip"],
                "persona": d.get("persona"),
                "expected": d["manufacturer"],
                "got": found.get(d["ip"]),
            }
            for d in real
            if found.get(d["ip"]) != d["manufacturer"]
        ][:50],
    }


def run_camaudit(
    targets: list[str], offset: int, workdir: Path, tag: str = "scan"
) -> tuple[dict[str, str | None], dict[str, Any]]:
    out = workdir / f"{tag}-devices.json"
    stats = workdir / f"{tag}-stats.json"
    cmd = [
        sys.executable,
        "-m",
        "camaudit",
        "scan",
        *targets,
        "--db",
        f"sqlite:///{workdir / (tag + '.db')}",
        "--json",
        str(out),
        "--stats",
        str(stats),
        "--quiet",
        "--rate",
        "0",
        "--concurrency",
        "256",  # the CLI default: more only queues at the lab's two cores and times out
        "--timeout",
        "2",
        "--port-offset",
        str(offset),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, "CAMAUDIT_DB": ""})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = {d["ip"]: d["manufacturer"] for d in json.loads(out.read_text())}
    doc = json.loads(stats.read_text())
    # The lab is still running (not yet waited for), so these figures are the scanner's alone.
    return found, {
        "wall_seconds": round(wall, 1),
        "scanner_cpu_seconds": round(cpu, 1),
        "peak_rss_mb_children": after.ru_maxrss // 1024,
        "scan_seconds": doc["wall_seconds"],
        "phases": doc["phases"],
        "journal_seconds": doc["journal_seconds"],
        "identify_seconds": doc["identify_seconds"],
    }


def phase_table(cam: dict[str, Any]) -> str:
    """The per-phase table printed after a run (times in seconds from the scan's start)."""
    lines = [
        f"{'phase':<8} {'jobs':>7} {'start':>7} {'end':>7} {'job-s':>9} {'waiting-s':>10}",
    ]
    for name, ph in cam["phases"].items():
        lines.append(
            f"{name:<8} {ph['jobs']:>7} {ph['start']:>7.2f} {ph['end']:>7.2f} "
            f"{ph['job_seconds']:>9.1f} {ph['waiting_seconds']:>10.1f}"
        )
    lines.append(
        f"scan {cam['scan_seconds']} s in process (identify {cam['identify_seconds']} s, "
        f"journal commits {cam['journal_seconds']} s off-loop); process wall "
        f"{cam['wall_seconds']} s, scanner CPU {cam['scanner_cpu_seconds']} s"
    )
    return "\n".join(lines)


def run_nmap(
    truth: list[dict[str, Any]], workdir: Path
) -> tuple[dict[str, str | None], dict[str, Any]]:
    """nmap -sV --version-light -T4 on the devices of ``truth`` and the ports the lab serves."""
    import defusedxml.ElementTree as safe_et

    ports = sorted(
        {
            p
            for d in truth
            for proto, p in d.get("ports", {}).items()
            if proto not in ("wsd", "sadp", "dhip", "ssdp", "mdns")
        }
    )
    hosts = workdir / "hosts.txt"
    hosts.write_text("\n".join(d["ip"] for d in truth) + "\n")
    out = workdir / "nmap.xml"
    cmd = [
        "nmap",
        "-sV",
        "--version-light",
        "-T4",
        "-Pn",
        "-n",
        "-p",
        ",".join(map(str, ports)),
        "-iL",
        str(hosts),
        "-oX",
        str(out),
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    kb = load_kb()
    found: dict[str, str | None] = {}
    for host in safe_et.parse(out).getroot().iter("host"):
        addr = host.find("address")
        if addr is None:
            continue
        text = " ".join(
            " ".join(svc.get(a, "") for a in ("product", "version", "extrainfo", "devicetype"))
            + " "
            + " ".join(c.text or "" for c in svc.findall("cpe"))
            for svc in host.iter("service")
        )
        found[addr.get("addr", "")] = maker_named(text, kb)
    return found, {"wall_seconds": round(wall, 1), "ports": len(ports)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--devices", type=int, default=1024)
    ap.add_argument("--subnet", default="127.60.0.0/20")
    ap.add_argument("--fleet", default=None, help="fleet spec YAML (e.g. with hostile personas)")
    ap.add_argument("--no-nmap", action="store_true")
    ap.add_argument(
        "--nmap-devices",
        type=int,
        default=64,
        help="compare with nmap on this many devices (spread over the fleet); 0 = all",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        truth_path = work / "truth.json"
        t0 = time.perf_counter()
        lab = start_lab(args.devices, args.subnet, truth_path, args.fleet)
        lab_start = time.perf_counter() - t0
        try:
            truth_doc = json.loads(truth_path.read_text())
            truth = truth_doc["devices"]
            offset = int(truth_doc.get("port_offset", 0))
            block = covering_block(d["ip"] for d in truth)  # what a user would scan
            found, cam = run_camaudit([block], offset, work)
            result: dict[str, Any] = {
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "devices": args.devices,
                "subnet": args.subnet,
                "scanned": block,
                "lab_start_seconds": round(lab_start, 1),
                "probes": list(DEFAULT_PROBES),
                "camaudit": {**cam, **score(truth, found)},
            }
            if not args.no_nmap and shutil.which("nmap"):
                sample = truth
                if 0 < args.nmap_devices < len(truth):
                    step = len(truth) / args.nmap_devices
                    sample = [truth[int(i * step)] for i in range(args.nmap_devices)]
                # camaudit on the very same addresses, then nmap on them: the same job twice.
                sfound, scam = run_camaudit([d["ip"] for d in sample], offset, work, "sample")
                nfound, nm = run_nmap(sample, work)
                result["same_devices"] = {
                    "devices": len(sample),
                    "camaudit": {**scam, **score(sample, sfound)},
                    "nmap": {**nm, **score(sample, nfound)},
                    "speedup": round(nm["wall_seconds"] / max(scam["wall_seconds"], 0.1), 1),
                }
        finally:
            lab.send_signal(signal.SIGINT)
            lab.wait(timeout=60)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"scan_{args.devices}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "probes"}, indent=2))
    print(phase_table(result["camaudit"]))
    same = result.get("same_devices")
    if same:
        print(
            f"same {same['devices']} devices: camaudit {same['camaudit']['wall_seconds']} s, "
            f"nmap {same['nmap']['wall_seconds']} s -> {same['speedup']}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
