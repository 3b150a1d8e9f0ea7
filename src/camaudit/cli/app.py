"""Top-level Typer app and the commands on evidence and devices."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer

from camaudit import api
from camaudit.cli.common import (
    DB_HELP,
    WideOpt,
    err_console,
    open_store,
    print_json,
    show_devices,
    show_identities,
)
from camaudit.errors import InputError
from camaudit.evidence import guess_kind, iter_jsonl, parse_kind, read_jsonl, read_raw_file
from camaudit.identify.batch import BatchIdentifier
from camaudit.models import Evidence

app = typer.Typer(
    name="camaudit",
    help=(
        "Audit CCTV estates for cameras, recorders and video servers made by, rebadged from or "
        "built on restricted vendors (Hikvision, Dahua and their OEM labels) — with evidence.\n\n"
        "Start with `camaudit demo`, which runs an emulated estate, audits it and writes a report."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)

DbOpt = Annotated[
    str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB", show_envvar=False)
]
OrgOpt = Annotated[str | None, typer.Option("--org", help="Only this organisation.")]


def _read_inputs(files: list[str], kind: str | None) -> list[tuple[str, Evidence]]:
    out: list[tuple[str, Evidence]] = []
    forced = parse_kind(kind) if kind else None
    for name in files:
        if name == "-":
            data = sys.stdin.buffer.read()
            k = forced or guess_kind(data)
            if k is None:
                raise InputError("cannot tell the evidence kind of standard input: give --kind")
            out.append(("-", Evidence(k, data, source="stdin")))
            continue
        path = Path(name)
        if path.suffix == ".jsonl" and forced is None:
            out.extend((f"{name}:{n}", ev) for n, ev in enumerate(read_jsonl(path), start=1))
            continue
        if forced is None:
            try:
                head = path.read_bytes()[:4096]
            except OSError as exc:
                raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
            if not head:
                raise InputError(f"{path} is empty: no evidence to identify")
            k = guess_kind(head)
            if k is None:
                raise InputError(f"cannot tell the evidence kind of {path}: give --kind")
        else:
            k = forced
        out.append((name, read_raw_file(path, k)))
    return out


@app.command()
def identify(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Raw evidence files (a saved HTTP response, an XML document, a banner...), or - for stdin.",
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            help="Evidence kind of the FILEs (http, rtsp, tls, banner, sadp, dhip, isapi, onvif_devinfo, wsd_probematch, upnp, dahua_cgi, mdns, mac, dhcp, hostname, asset_row). Guessed from content when omitted.",
        ),
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="JSON Lines evidence file (one observation per line, '-' for stdin): prints one identity per line.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (an array; JSON Lines with --batch).")
    ] = False,
    wide: WideOpt = False,
) -> None:
    """Identify devices from evidence: maker, label, model, firmware, type, and the evidence chain.

    Each FILE is one input; `--batch` streams many. Examples:

        camaudit identify --kind http response.txt --json
        camaudit identify --batch observations.jsonl --json
    """
    if batch is None and not files:
        raise InputError("give evidence FILEs or --batch FILE.jsonl (see camaudit identify --help)")
    if batch is not None:
        ident = BatchIdentifier(api.identifier())
        gc.freeze()  # the KB lives for the whole run: keep it out of every GC pass
        stream = sys.stdin if str(batch) == "-" else None
        evs = iter_jsonl(stream, source="stdin") if stream else read_jsonl(batch)
        rows = []
        write = sys.stdout.write
        for ev in evs:
            if as_json:
                write(ident.json_line(ev))
            else:
                identity = ident.identify(ev)
                rows.append((f"{ev.ip or ''}:{ev.port or ''} {ev.kind.value}", identity))
        if not as_json:
            show_identities(rows, wide=wide)
        return
    inputs = _read_inputs(files or [], kind)
    results = [(name, api.identify(ev)) for name, ev in inputs]
    if as_json:
        print_json([ident.to_dict() for _, ident in results])
    else:
        show_identities(results, wide=wide)


@app.command()
def devices(
    db: DbOpt = None,
    org: OrgOpt = None,
    restricted: Annotated[
        bool, typer.Option("--restricted", help="Only devices from restricted vendors.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of devices.")] = False,
    wide: WideOpt = False,
) -> None:
    """List the devices in the database with their identities."""
    with open_store(db) as store:
        devs = store.devices(org, restricted=True if restricted else None)
    if as_json:
        print_json([d.to_dict() for d in devs])
    else:
        show_devices(devs, title=f"{len(devs)} devices", wide=wide)


@app.command()
def report(
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="html, pdf, csv, xlsx, json, cyclonedx or answer."),
    ] = "html",
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")] = Path(
        "camaudit-report.html"
    ),
    db: DbOpt = None,
    org: OrgOpt = None,
    vendor: Annotated[
        str, typer.Option("--vendor", help="For --format answer: the maker the request asks about.")
    ] = "Hikvision",
    question: Annotated[
        str | None, typer.Option("--question", help="For --format answer: the request's wording.")
    ] = None,
) -> None:
    """Write a report of the audited devices and their findings.

    `answer` drafts a plain-language reply to an information request such as "Do you use
    Hikvision cameras in your public CCTV network?", with counts, confidence and caveats.
    """
    with open_store(db) as store:
        path = api.report(store, fmt, output, org, vendor=vendor, question=question)
    err_console.print(f"wrote {path}")


@app.command()
def rebuild(db: DbOpt = None, org: OrgOpt = None) -> None:
    """Recreate devices (and their identities) from the stored evidence, e.g. after a KB update."""
    with open_store(db) as store:
        n = api.rebuild(store, org)
    err_console.print(f"rebuilt {n} devices from evidence")


def _register() -> None:
    from camaudit.cli.assess import assess, audits, diff, site
    from camaudit.cli.asset import reconcile_cmd, unmerge
    from camaudit.cli.bodies import bodies_app
    from camaudit.cli.demo import demo
    from camaudit.cli.importing import import_
    from camaudit.cli.kb import kb_app
    from camaudit.cli.lab import lab_app
    from camaudit.cli.oversight import answer_app, oversight_app
    from camaudit.cli.scan import scan
    from camaudit.cli.sensors import centre_app, jobs_app, sensor_app
    from camaudit.cli.web import serve, users_app

    app.command()(scan)
    app.command()(demo)
    app.command("import")(import_)
    app.command()(assess)
    app.command()(diff)
    app.command()(audits)
    app.command()(site)
    app.command("reconcile")(reconcile_cmd)
    app.command("unmerge")(unmerge)
    app.add_typer(kb_app, name="kb")
    app.add_typer(lab_app, name="lab")
    app.command()(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(bodies_app, name="bodies")
    app.add_typer(oversight_app, name="oversight")
    app.add_typer(answer_app, name="answer")
    app.add_typer(sensor_app, name="sensor")
    app.add_typer(centre_app, name="centre")
    app.add_typer(jobs_app, name="jobs")


_register()
