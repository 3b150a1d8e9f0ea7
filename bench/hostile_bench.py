"""Hostile fleet benchmark: every hostile persona once (``fleets/hostile.yaml``), scanned by
camaudit's default scan while a capture watches the out-of-scope addresses the personas point at.

    python -m bench hostile [--subnet 127.61.0.0/24] [--timeout 1]

A *behaviour* is one misbehaving port of one persona (its ``hostile:`` kind, or the web server's
hostile routes). It is *tried* when some probe ran against that port, and *survived* when every
probe there kept its budget (none "overran"), the scan ended within the bound its own limits give,
and the device was given no maker (every hostile persona's truth is "no manufacturer"). Also
counted: devices recorded out of scope and packets the scanner sent there (capture: tcpdump as
root; without it the figure is "not measured"). Prints a table and writes
bench/results/hostile.json.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import resource
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.lab.capture import OUT_OF_SCOPE, Capture, capture_available
from tests.lab.test_lab_hostile_scan import scan_bound

from camaudit import api
from camaudit.lab import Fleet, LabThread, build_fleet
from camaudit.lab.fleet import load_fleet_spec
from camaudit.lab.persona import Persona
from camaudit.probes.base import ProbeResult
from camaudit.scan import ScanOptions
from camaudit.store import Store

RESULTS = Path(__file__).parent / "results"
PORT_OFFSET = 20000


@dataclass
class Behaviour:
    persona: str
    port: str
    kind: str
    tried: bool
    survived: bool
    why: str


def _behaviours(
    fleet: Fleet, results: list[ProbeResult], within: bool, makers: dict[str, str]
) -> list[Behaviour]:
    out: list[Behaviour] = []
    by_port: dict[tuple[str, int | None], list[ProbeResult]] = {}
    for r in results:
        by_port.setdefault((r.ip, r.port), []).append(r)
    for device in fleet.devices:
        persona = fleet.personas[device.persona]
        spec = persona.hostile.ports if persona.hostile is not None else {}
        for key, port in device.ports.items():
            if key in spec:
                kind = spec[key].kind
            elif key in ("http", "onvif") and _hostile_routes(persona):
                kind = "http routes"
            else:
                continue
            here = by_port.get((device.ip, port), [])
            overran = [r.probe for r in here if r.detail == "probe overran"]
            maker = makers.get(device.ip)
            why = (
                "not probed"
                if not here
                else f"overran: {overran}"
                if overran
                else f"named {maker}"
                if maker
                else "scan over its bound"
                if not within
                else ""
            )
            out.append(Behaviour(device.persona, key, kind, bool(here), not why, why))
    return out


def _hostile_routes(persona: Persona) -> bool:
    """Whether the persona's web server serves more than a plain home page (its hostile pages)."""
    routes = persona.http.routes if persona.http is not None else ()
    return any(r.path != "/" or r.handler for r in routes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench hostile", description=__doc__)
    ap.add_argument("--subnet", default="127.61.0.0/24")
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=RESULTS / "hostile.json")
    args = ap.parse_args(argv)
    spec = load_fleet_spec("hostile")
    fleet = build_fleet(
        mix=spec["mix"], subnet=args.subnet, seed=spec["seed"], port_offset=PORT_OFFSET
    )
    options = ScanOptions(timeout=args.timeout)
    results: list[ProbeResult] = []
    capture = Capture() if capture_available() else None
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        stack.enter_context(LabThread(fleet))
        store = stack.enter_context(Store.open(f"sqlite:///{Path(tmp) / 'hostile.db'}"))
        if capture is not None:
            stack.enter_context(capture)  # closed (and counted) before the lab stops
        start = time.monotonic()
        report = api.scan(
            [args.subnet],
            store=store,
            port_offset=PORT_OFFSET,
            options=options,
            on_result=results.append,
        )
        wall = time.monotonic() - start
    bound = scan_bound(fleet, options)
    makers = {
        d.ip: d.identity.manufacturer for d in report.devices if d.ip and d.identity.manufacturer
    }
    rows = _behaviours(fleet, results, wall < bound, makers)
    out_net = ipaddress.ip_network(OUT_OF_SCOPE)
    recorded_out = [d.ip for d in report.devices if d.ip and ipaddress.ip_address(d.ip) in out_net]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    figures = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "personas": len(fleet.devices),
        "behaviours": len(rows),
        "tried": sum(r.tried for r in rows),
        "survived": sum(r.survived for r in rows),
        "wall_seconds": round(wall, 1),
        "bound_seconds": round(bound, 1),
        "peak_rss_mb": peak,
        "makers_named": len(makers),
        "recorded_out_of_scope": len(recorded_out),
        "out_of_scope_packets_sent": capture.sent if capture and capture.control_seen else None,
        "out_of_scope_replies_seen": capture.received if capture else None,
        "rows": [asdict(r) for r in rows],
    }
    for r in rows:
        mark = "ok " if r.survived else "FAIL"
        print(f"{mark} {r.persona:26} {r.port:10} {r.kind:12} {r.why}")
    print(
        f"behaviours tried {figures['tried']}/{figures['behaviours']}, survived "
        f"{figures['survived']}; wall {wall:.1f} s (bound {bound:.0f} s); peak RSS {peak} MB; "
        f"makers named {len(makers)}; recorded out of scope {len(recorded_out)}; packets sent out "
        f"of scope {figures['out_of_scope_packets_sent']}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    failed = figures["survived"] != figures["behaviours"] or recorded_out
    return 1 if failed or figures["out_of_scope_packets_sent"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
