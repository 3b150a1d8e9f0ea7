"""``camaudit lab``: serve an emulated multi-vendor CCTV estate on loopback addresses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from camaudit.cli.common import err_console
from camaudit.errors import InputError

lab_app = typer.Typer(
    help="Run the emulated CCTV estate (for demos, tests and benchmarks).", no_args_is_help=True
)


@lab_app.command("run")
def run(
    devices: Annotated[
        int,
        typer.Option("--devices", "-n", help="How many devices (rotating through the personas)."),
    ] = 3,
    fleet_file: Annotated[
        Path | None,
        typer.Option("--fleet", help="Fleet spec YAML (seed, subnet, mix of personas)."),
    ] = None,
    subnet: Annotated[
        str, typer.Option("--subnet", help="Loopback block to serve on (inside 127.0.0.0/8).")
    ] = "127.20.0.0/16",
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
) -> None:
    """Serve an emulated fleet until Ctrl-C.

    camaudit lab run --devices 1000 --truth truth.json
    """
    from camaudit.lab import build_fleet, run_forever

    if devices < 1:
        raise InputError("--devices must be at least 1")
    if netns:
        raise InputError("--netns is not available in this version (see issue: lab namespaces)")
    if fleet_file is not None and not fleet_file.exists():
        raise InputError(f"fleet file {fleet_file} does not exist")
    fleet = build_fleet(
        devices=devices, subnet=subnet, seed=seed, spec=fleet_file, port_offset=port_offset
    )
    if truth is not None:
        fleet.write_truth(truth)
    err_console.print(
        f"lab: {len(fleet.devices)} devices on {fleet.subnet} (port offset {fleet.port_offset}); Ctrl-C to stop"
    )
    run_forever(fleet)
