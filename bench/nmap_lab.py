"""Makers right from ``import nmap`` of real ``nmap -sV --version-light -oX`` of a lab estate.

    python -m bench.nmap_lab [--devices 64] [--subnet 127.78.0.0/24]

Serves the lab, runs nmap on the lab's ports, imports the XML into a scratch database and
compares the makers with the lab's ground truth (and counts false restricted makers). Misses are
printed per persona; the figures go to bench/results/nmap_lab.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from camaudit import api
from camaudit.lab import LabThread, build_fleet
from camaudit.store import Store

RESTRICTED = {"Hikvision", "Dahua"}
RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=64)
    parser.add_argument("--subnet", default="127.78.0.0/24")
    args = parser.parse_args()
    fleet = build_fleet(devices=args.devices, subnet=args.subnet, port_offset=0)
    truth = {d["ip"]: d for d in fleet.truth()["devices"]}
    ports = sorted({p for d in truth.values() for p in d["ports"].values()})
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "lab.xml"
        started = time.monotonic()
        with LabThread(fleet):
            subprocess.run(
                [
                    "nmap",
                    "-sV",
                    "--version-light",
                    "-Pn",
                    "-n",
                    "-p",
                    "T:" + ",".join(map(str, ports)),
                    "-oX",
                    str(xml),
                    *truth,
                ],
                check=True,
                capture_output=True,
                timeout=1800,
            )
        elapsed = time.monotonic() - started
        with Store.open(f"sqlite:///{Path(tmp) / 'n.db'}") as store:
            api.import_file("nmap", xml, store=store, org="lab")
            found = {d.ip: d.identity.manufacturer for d in store.devices("lab")}
    right = sum(found.get(ip) == t["manufacturer"] for ip, t in truth.items())
    false_r = sum(
        found.get(ip) in RESTRICTED and t["manufacturer"] not in RESTRICTED
        for ip, t in truth.items()
    )
    misses = Counter(t["persona"] for ip, t in truth.items() if found.get(ip) != t["manufacturer"])
    print(
        f"nmap -sV --version-light: {right}/{len(truth)} makers right, {false_r} false restricted"
    )
    for persona, count in sorted(misses.items()):
        print(f"  missed: {persona} x{count}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nmap_lab.json").write_text(
        json.dumps(
            {
                "devices": len(truth),
                "right": right,
                "false_restricted": false_r,
                "missed_by_persona": dict(sorted(misses.items())),
                "seconds": round(elapsed, 1),
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
