"""``camaudit demo``: start the lab, audit it, report, compare with the ground truth, stop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from camaudit import api
from camaudit.cli.assess_output import prerequisite_notes
from camaudit.cli.common import console, err_console
from camaudit.cli.demo_summary import print_demo_summary
from camaudit.cli.scan import run_scan_with_progress
from camaudit.errors import InputError
from camaudit.net.scope import covering_block
from camaudit.probes import DEFAULT_PROBES
from camaudit.scan import ScanOptions
from camaudit.store import Store


def demo(
    devices: Annotated[
        int | None,
        typer.Option(
            "--devices",
            "-n",
            help="How many emulated devices (default: an 11-device estate with Hikvision and "
            "Dahua kit under their own names and OEM labels: LTS, Annke, HiLook, EZVIZ, Amcrest, "
            "Lorex, Imou).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Directory for the report, database and ground truth."),
    ] = Path("demo-output"),
    subnet: Annotated[
        str, typer.Option("--subnet", help="Loopback block for the lab.")
    ] = "127.20.0.0/16",
) -> None:
    """Run the whole job on an emulated estate: lab → scan → identify → store → report.

    Writes OUT/report.html, OUT/devices.json, OUT/truth.json and OUT/camaudit.db.
    """
    from camaudit.lab import LabThread, build_fleet

    if devices is not None and devices < 1:
        raise InputError("--devices must be at least 1")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror}") from None
    db_path = out / "camaudit.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    fleet = (
        build_fleet(spec="demo-oem", subnet=subnet)
        if devices is None
        else build_fleet(devices=devices, subnet=subnet)
    )
    fleet.write_truth(out / "truth.json")
    block = covering_block(d.ip for d in fleet.devices)
    err_console.print(
        f"lab: {len(fleet.devices)} emulated devices on {block} (port offset {fleet.port_offset})"
    )
    with LabThread(fleet), Store.open(f"sqlite:///{db_path}") as store:
        result = run_scan_with_progress(
            [block],
            store=store,
            exclude=[],
            ports=None,
            port_offset=fleet.port_offset,
            options=ScanOptions(concurrency=512, rate=0, timeout=2.0),
            org="Demo Council",
            site="Town Centre",
            probes=list(DEFAULT_PROBES),
        )
        assessment = api.assess_store(store)
        api.report(store, "html", out / "report.html")
        api.report(store, "json", out / "devices.json")
    truth = {d.ip: d for d in fleet.devices}
    print_demo_summary(
        console, result.devices, {d.ip: (d.manufacturer, d.brand) for d in fleet.devices}
    )
    right = sum(
        1
        for d in result.devices
        if d.ip in truth and d.identity.manufacturer == truth[d.ip].manufacturer
    )
    found = sum(1 for d in result.devices if d.ip in truth)
    console.print(
        f"ground truth: {right}/{len(truth)} manufacturers right; {found}/{len(truth)} devices found"
    )
    by_policy: dict[str, int] = {}
    for da in assessment.devices:
        for f in da.findings:
            by_policy[f.policy] = by_policy.get(f.policy, 0) + 1
    console.print(
        "findings: " + (", ".join(f"{p} {n}" for p, n in sorted(by_policy.items())) or "none")
    )
    db_opt = f"--db sqlite:///{db_path}"
    for line in prerequisite_notes(assessment):  # the demo's own database in each command
        line = line.replace("camaudit site ", f"camaudit site {db_opt} ")
        line = line.replace("`camaudit assess`", f"`camaudit assess {db_opt}`")
        console.print(line, soft_wrap=line.startswith("  "), markup=False, highlight=False)
    console.print(f"report: {out / 'report.html'}   database: {db_path}")
