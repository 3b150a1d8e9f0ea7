"""``camaudit assess`` and ``camaudit diff``: from identities to decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from camaudit import api
from camaudit.cli.assess_output import print_assessment
from camaudit.cli.common import (
    DB_HELP,
    WideOpt,
    console,
    err_console,
    open_store,
    org_or_default,
    warn_default_org,
)
from camaudit.cli.tables import Column, fit_table, print_tables
from camaudit.errors import InputError
from camaudit.models import Sensitivity, Severity

DbOpt = Annotated[
    str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB", show_envvar=False)
]


def assess(
    policy: Annotated[
        list[str] | None,
        typer.Option(
            "--policy",
            "-P",
            help="Policy pack id or YAML file (repeatable). Default: every shipped pack.",
        ),
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    costs: Annotated[
        Path | None,
        typer.Option("--costs", help="Unit-cost table (YAML) for replacement estimates."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the whole assessment as JSON here.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 if any finding is at least this severe (info, low, medium, high, critical).",
        ),
    ] = None,
    db: DbOpt = None,
    wide: WideOpt = False,
) -> None:
    """Evaluate policy packs (UK 2022 sensitive sites, NDAA 889, FCC), known CVEs and exposure;
    score risk and print a remediation plan naming the devices. Findings are stored for reports.

    The UK 2022 pack needs each site's sensitivity: sites are standard until you set them with
    `camaudit site "Police HQ" --sensitivity sensitive`, and covered kit on a standard site is
    reported as info only (assess says so when no site is set).

        camaudit assess --policy ndaa-889 --policy uk-2022-sensitive-sites --fail-on high
    """
    threshold = None
    if fail_on is not None:
        try:
            threshold = Severity(fail_on.lower())
        except ValueError:
            raise InputError(
                f"--fail-on takes one of: {', '.join(s.value for s in Severity)}"
            ) from None
    if json_out is not None and not json_out.parent.exists():
        raise InputError(f"cannot write {json_out}: directory {json_out.parent} does not exist")
    with open_store(db) as store:
        result = api.assess_store(store, org=org, packs=policy, costs=costs)
    print_assessment(console, result, wide=wide)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
        err_console.print(f"wrote {json_out}")
    if threshold is not None and any(
        f.severity.rank >= threshold.rank for da in result.devices for f in da.findings
    ):
        raise typer.Exit(1)


def diff(
    audit_a: Annotated[int, typer.Argument(help="The earlier audit id (see `camaudit audits`).")],
    audit_b: Annotated[int, typer.Argument(help="The later audit id.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the difference as JSON here.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """What changed between two audits: new, removed, changed and replaced kit."""
    with open_store(db) as store:
        result = api.diff_audits(store, audit_a, audit_b)
    summary = result.summary()
    console.print(", ".join(f"{k} {v}" for k, v in summary.items()))
    for d in result.new:
        console.print(
            f"+ {d.key} {d.ip or ''} {d.identity.manufacturer or 'unknown'} {d.identity.model or ''}"
        )
    for d in result.removed:
        console.print(
            f"- {d.key} {d.ip or ''} {d.identity.manufacturer or 'unknown'} {d.identity.model or ''}"
        )
    for c in result.changed:
        console.print(
            f"~ {c.key}: " + ", ".join(f"{f.field} {f.before} → {f.after}" for f in c.changes)
        )
    for r in result.replaced:
        console.print(
            f"⇄ {r.removed.identity.manufacturer} {r.removed.identity.model or ''} replaced by "
            f"{r.added.identity.manufacturer} {r.added.identity.model or ''} ({r.matched_on})"
        )
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n")


def audits(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    db: DbOpt = None,
    wide: WideOpt = False,
) -> None:
    """List audits (scans and imports) with their ids, for `diff` and `scan --resume --audit`."""
    with open_store(db) as store:
        rows = store.audits(org)
    columns = (
        Column("id", 0, justify="right"),
        Column("kind", 1, shrink=True),
        Column("org", 3, shrink=True),
        Column("site", 4, shrink=True),
        Column("status", 2),
        Column("started", 5),
        Column("finished", 6),
    )
    table_rows = [
        [
            str(a.id),
            a.kind,
            a.organisation,
            a.site or "",
            a.status,
            a.started.strftime("%Y-%m-%d %H:%M") if a.started else "",
            a.finished.strftime("%Y-%m-%d %H:%M") if a.finished else "",
        ]
        for a in rows
    ]
    table = fit_table(
        columns, table_rows, width=console.width, title=f"{len(rows)} audits", wide=wide
    )
    print_tables(console, [table], wide=wide)


def site(
    name: Annotated[str, typer.Argument(help="The site's name, as given to scan/import --site.")],
    level_arg: Annotated[
        str | None,
        typer.Argument(
            metavar="[SENSITIVITY]",
            help="standard, sensitive or critical (the same as --sensitivity).",
            show_default=False,
        ),
    ] = None,
    sensitivity: Annotated[
        str | None,
        typer.Option(
            "--sensitivity",
            help="standard, sensitive (the UK 2022 statement's sensitive sites) or critical.",
        ),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help="Organisation the site belongs to (without it: 'default', with a warning).",
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Set how sensitive a site is; policies such as uk-2022-sensitive-sites depend on it.

    camaudit site "Police HQ" --org "Example Council" --sensitivity sensitive
    """
    choices = ", ".join(s.value for s in Sensitivity)
    given = sensitivity or level_arg
    if given is None:
        raise InputError(
            f"give the site's sensitivity: --sensitivity {{{choices.replace(', ', ',')}}} "
            f'(e.g. camaudit site "{name}" --sensitivity sensitive)'
        )
    if sensitivity and level_arg and sensitivity.lower() != level_arg.lower():
        raise InputError(
            f"two sensitivities given ({level_arg!r} and --sensitivity {sensitivity!r})"
        )
    try:
        level = Sensitivity(given.lower())
    except ValueError:
        raise InputError(f"--sensitivity takes one of: {choices} (not {given!r})") from None
    given_org, org = org, org_or_default(org)
    with open_store(db) as store:
        store.set_site(org, name, level)
    warn_default_org(given_org)
    err_console.print(
        f"site {name!r} of {org!r} is now {level.value} (sensitivities: {choices}); "
        "run `camaudit assess` again",
        soft_wrap=True,
    )
