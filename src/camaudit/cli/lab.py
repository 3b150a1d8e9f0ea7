"""``camaudit lab``: serve an emulated multi-vendor CCTV estate on loopback addresses, or (root,
``--netns``) on a private network inside namespaces of its own so multicast discovery is real."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from camaudit.cli.common import err_console
from camaudit.errors import InputError

lab_app = typer.Typer(
    help="Run the emulated CCTV estate (for demos, tests and benchmarks).", no_args_is_help=True
)


def _fleet_spec(fleet_file: str | None) -> str | Path | None:
    """A fleet YAML path, or the name of a packaged fleet (demo, hostile, bench-1024)."""
    if fleet_file is None:
        return None
    from camaudit.lab.fleet import FLEET_DIR

    path = Path(fleet_file)
    if path.exists():
        return path
    if (FLEET_DIR / f"{fleet_file}.yaml").exists():
        return fleet_file
    packaged = ", ".join(sorted(p.stem for p in FLEET_DIR.glob("*.yaml")))
    raise InputError(f"fleet file {fleet_file} does not exist (packaged fleets: {packaged})")


@lab_app.command("run")
def run(
    devices: Annotated[
        int,
        typer.Option("--devices", "-n", help="How many devices (rotating through the personas)."),
    ] = 3,
    fleet_file: Annotated[
        str | None,
        typer.Option(
            "--fleet",
            help="Fleet spec YAML (seed, subnet, mix of personas), or a packaged one: "
            "demo, hostile, bench-1024.",
        ),
    ] = None,
    subnet: Annotated[
        str | None,
        typer.Option(
            "--subnet",
            help="Block to serve on: inside 127.0.0.0/8 (default 127.20.0.0/16), or with "
            "--netns inside 10.231.0.0/16 (default all of it).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for a reproducible estate.")] = 1,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Write the ground truth (JSON) here.")
    ] = None,
    port_offset: Annotated[
        int | None,
        typer.Option(
            "--port-offset", help="Add this to every port (default: 0 as root, 10000 otherwise)."
        ),
    ] = None,
    netns: Annotated[
        bool,
        typer.Option(
            "--netns",
            help="Serve inside network namespaces so multicast discovery runs for real (root).",
        ),
    ] = False,
    scan_cmd: Annotated[
        str | None,
        typer.Option(
            "--scan-cmd",
            help="With --netns: run this command inside the scanner's namespace once the lab is "
            "ready, then stop the lab and exit with the command's status.",
        ),
    ] = None,
) -> None:
    """Serve an emulated fleet until Ctrl-C.

    camaudit lab run --devices 1000 --truth truth.json

    camaudit lab run --netns --fleet demo --scan-cmd "camaudit scan 10.231.0.0/24 --json out.json"
    """
    from camaudit.lab import build_fleet, run_forever

    if devices < 1:
        raise InputError("--devices must be at least 1")
    if scan_cmd is not None and not netns:
        raise InputError("--scan-cmd needs --netns (in loopback mode run the scan yourself)")
    spec = _fleet_spec(fleet_file)
    if netns:
        from camaudit.lab.namespaces import unavailable_reason

        reason = unavailable_reason()
        if reason is not None:
            raise InputError(f"--netns: {reason}")
    fleet = build_fleet(
        devices=devices,
        subnet=subnet,
        seed=seed,
        spec=spec,
        port_offset=port_offset,
        netns=netns,
    )
    where = "network namespaces" if netns else "loopback"
    err_console.print(
        f"lab: starting {len(fleet.devices)} devices on {fleet.subnet} ({where}, "
        f"port offset {fleet.port_offset})"
    )

    def ready(lab: object) -> None:
        counts = getattr(lab, "endpoint_counts", None)
        detail = f": {counts()}" if callable(counts) else ""
        err_console.print(f"lab: ready{detail}; Ctrl-C to stop")
        scanner = getattr(lab, "scanner_namespace", None)
        if scanner is not None:
            err_console.print(
                f"lab: scanner namespace {scanner} (address {getattr(lab, 'scanner_ip', '')}); "
                f"run commands there with: ip netns exec {scanner} /absolute/path/to/command"
            )

    # The ground truth is written once every device is bound: its appearance means "ready".
    if not netns:
        run_forever(fleet, truth_path=truth, on_ready=ready)
        return
    from camaudit.lab.netns import run_netns

    command = shlex.split(scan_cmd) if scan_cmd is not None else None
    status = run_netns(fleet, truth, on_ready=ready, command=command)
    if status:
        raise typer.Exit(status)
