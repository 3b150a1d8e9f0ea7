"""``camaudit oversight``: information requests, responses, evidence grants and the report;
``camaudit answer``: a body's signed answer (keys, export, verify)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camaudit import api
from camaudit.cli.common import DB_HELP, console, open_store, print_json
from camaudit.cli.identity import AsBodyOpt, UserOpt, caller
from camaudit.errors import InputError
from camaudit.oversight import service
from camaudit.oversight.aggregate import RoundSummary
from camaudit.oversight.mail import SmtpConfig
from camaudit.oversight.report import FORMATS, build_report, write_report
from camaudit.oversight.survey import SHIPPED_SURVEYS, load_survey
from camaudit.oversight.types import ResponseStatus
from camaudit.oversight.workdays import HOLIDAY_CAVEAT
from camaudit.reports.answer_json import generate_key, read_answer, verify_answer

oversight_app = typer.Typer(
    help="Information requests to public bodies, their responses, and the survey report.",
    no_args_is_help=True,
)
answer_app = typer.Typer(
    help="A body's information-request answer as signed JSON: keygen, export, verify.",
    no_args_is_help=True,
)
DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB")]
TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Date to compute deadlines at (YYYY-MM-DD).")
]


def _date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what} must be a date YYYY-MM-DD, not {text!r}") from None


def _secret(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes().strip()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


@oversight_app.command("request")
def request(
    title: Annotated[str, typer.Argument(help="Short title of the request.")],
    question: Annotated[list[str], typer.Option("--question", "-q", help="A question (repeat).")],
    round: Annotated[str, typer.Option("--round", help="Survey round, e.g. 2026-03.")],
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Draft an information request."""
    with open_store(db) as store:
        r = service.draft_request(store, caller(user), title, question, round)
    console.print(f"request {r.id} drafted (round {r.round}, {len(r.questions)} questions)")


@oversight_app.command("requests")
def requests(
    db: DbOpt = None,
    user: UserOpt = None,
    body_user: AsBodyOpt = None,
) -> None:
    """The information requests you may see (a body's user: those sent to their body)."""
    with open_store(db) as store:
        rows = service.list_requests(store, caller(user, body_user))
    for r in rows:
        console.print(f"{r.id}\t{r.round}\t{r.title}\t({len(r.questions)} questions)", markup=False)


@oversight_app.command("attachment")
def attachment(
    attachment_id: Annotated[int, typer.Argument(help="Attachment id (see responses --json).")],
    output: Annotated[Path, typer.Option("--output", "-o")],
    db: DbOpt = None,
    user: UserOpt = None,
    body_user: AsBodyOpt = None,
) -> None:
    """Save a response's attachment (same access rule as the response)."""
    with open_store(db) as store:
        name, data = service.get_attachment(store, caller(user, body_user), attachment_id)
    output.write_bytes(data)
    console.print(f"wrote {output} ({name}, {len(data)} bytes)")


@oversight_app.command("send")
def send(
    request_id: Annotated[int, typer.Argument(help="Request id.")],
    bodies: Annotated[list[str] | None, typer.Argument(help="Body keys, codes or names.")] = None,
    kind: Annotated[str | None, typer.Option(help="Send to every body of this kind.")] = None,
    sent: Annotated[str | None, typer.Option("--date", help="Date sent (default today).")] = None,
    addresses: Annotated[Path | None, typer.Option(help="CSV of body key,e-mail address.")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record a request as sent (and e-mail it if CAMAUDIT_SMTP_HOST is configured)."""
    who = caller(user)
    addr: dict[str, str] = {}
    if addresses:
        with addresses.open(encoding="utf-8") as fh:
            addr = {row[0].strip(): row[1].strip() for row in csv.reader(fh) if len(row) >= 2}
    with open_store(db) as store:
        names = list(bodies or [])
        if kind:
            names += [b.key for b in service.list_bodies(store, who) if b.kind == kind]
        if not names:
            raise InputError("name the bodies to send to, or give --kind")
        result = service.send_request(
            store,
            who,
            request_id,
            names,
            sent=_date(sent, "--date") or date.today(),
            addresses=addr,
            smtp=SmtpConfig.from_env(),
        )
    console.print(f"request {request_id} sent to {len(result.recipients)} bodies: {result.note}")


@oversight_app.command("deadlines")
def deadlines(
    request_id: Annotated[int, typer.Argument(help="Request id.")],
    today: TodayOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
    body_user: AsBodyOpt = None,
) -> None:
    """FOI deadlines (20 working days) per body, with reminders due."""
    with open_store(db) as store:
        rows = service.deadlines(
            store, caller(user, body_user), request_id, _date(today, "--today") or date.today()
        )
    table = Table()
    for col in ("body", "sent", "due", "state", "working days left"):
        table.add_column(col)
    for rc, due, _resp in rows:
        if due is None:
            table.add_row(rc.body.name, "not known", "not known", "sent date not known", "")
        else:
            table.add_row(
                rc.body.name, str(due.sent), str(due.due), due.state, str(due.working_days_left)
            )
    console.print(table)
    console.print(f"[dim]{HOLIDAY_CAVEAT}[/]")


@oversight_app.command("respond")
def respond(
    request_id: Annotated[int, typer.Argument(help="Request id.")],
    body: Annotated[str | None, typer.Argument(help="Body (omit with --not-named).")] = None,
    status: Annotated[str, typer.Option(help=", ".join(s.value for s in ResponseStatus))] = "",
    not_named: Annotated[bool, typer.Option(help="Reported but not named.")] = False,
    received: Annotated[str | None, typer.Option(help="Date received.")] = None,
    text: Annotated[str, typer.Option(help="What the body said.")] = "",
    exemption: Annotated[str | None, typer.Option(help="Exemption cited (refusals).")] = None,
    source: Annotated[str | None, typer.Option(help="Where this response is published.")] = None,
    answer: Annotated[Path | None, typer.Option(help="The body's exported answer JSON.")] = None,
    hmac_secret_file: Annotated[Path | None, typer.Option(help="Secret of an HMAC answer.")] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="Attachment (repeat).")] = None,
    reported_devices: Annotated[int | None, typer.Option(help="Devices the reply states.")] = None,
    plan: Annotated[str | None, typer.Option(help="Replacement plan the reply states.")] = None,
    cost: Annotated[float | None, typer.Option(help="Replacement cost the reply states.")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    body_user: AsBodyOpt = None,
) -> None:
    """Record a body's response (its signed answer is verified before it is kept)."""
    try:
        st = ResponseStatus.parse(status)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if (body is None) != not_named:
        raise InputError("give a body, or --not-named for a response reported but not named")
    with open_store(db) as store:
        rec = service.record_response(
            store,
            caller(user, body_user),
            request_id,
            body,
            st,
            received=_date(received, "--received"),
            text=text,
            exemption=exemption,
            source=source,
            reported_devices=reported_devices,
            replacement_plan=plan,
            replacement_cost=cost,
            answer=read_answer(answer) if answer else None,
            hmac_secret=_secret(hmac_secret_file),
            attachments=attach or [],
        )
    extra = f"; answer {rec.check.provenance} ({rec.check.message})" if rec.check else ""
    console.print(
        f"response {rec.response.id} recorded: {rec.response.body_name}, {st.label}{extra}"
    )


@oversight_app.command("responses")
def responses(
    request_id: Annotated[int | None, typer.Option("--request")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    body_user: AsBodyOpt = None,
) -> None:
    """The responses you may see (a body's user: their own body's only)."""
    with open_store(db) as store:
        rows = service.list_responses(store, caller(user, body_user), request_id)
    if json_out:
        print_json([r.to_dict() for r in rows])
        return
    table = Table()
    for col in ("#", "request", "body", "status", "received", "provenance"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r.id),
            str(r.request_id),
            r.body_name,
            r.status.label,
            str(r.received or ""),
            r.provenance or "",
        )
    console.print(table)


@oversight_app.command("survey")
def survey(
    file: Annotated[
        str, typer.Argument(help=f"A survey YAML file, or: {', '.join(SHIPPED_SURVEYS)}.")
    ],
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Record a published survey (requests, recipients, responses) from a YAML file."""
    path = SHIPPED_SURVEYS.get(file) or Path(file)
    with open_store(db) as store:
        loaded = load_survey(store, caller(user), path)
    console.print(
        f"round {loaded.round}: {len(loaded.requests)} requests, {loaded.responses} responses"
    )


def _print_table(s: RoundSummary) -> None:
    """The survey table as plain lines (never wrapped, so it reads the same in a log)."""
    out = [f"round {s.round}: {s.asked} bodies asked, {s.total_responses} responses"]
    out.append(f"{'status':<26}{'bodies':>7}  {'population covered':<28}responses")
    for line in s.statuses:
        ids = " ".join(f"#{i}" for i in line.responses)
        if line.derived:
            ids += f" (derived from deadline: {', '.join(line.derived)})"
        out.append(f"{line.status.label:<26}{line.bodies:>7}  {line.population_text:<28}{ids}")
    for text in out:
        console.print(text, markup=False, soft_wrap=True)
    if s.not_accounted:
        console.print(f"{s.not_accounted} bodies asked: reply not reported")
    for f in s.flags:
        console.print(f"[bold red]flag[/] {f.body}: {f.message} (response #{f.response})")


@oversight_app.command("report")
def report(
    fmt: Annotated[str, typer.Option("--format", "-f", help=", ".join(FORMATS))] = "html",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    round: Annotated[str | None, typer.Option("--round", help="Default: the latest.")] = None,
    request: Annotated[
        list[int] | None, typer.Option("--request", help="Only these requests.")
    ] = None,
    vendor: Annotated[str, typer.Option(help="Vendor the flags name.")] = "Hikvision",
    today: TodayOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """The survey table recomputed from records, per-body figures, flags, changes."""
    with open_store(db) as store:
        rep = build_report(
            store,
            caller(user),
            round=round,
            today=_date(today, "--today"),
            vendor=vendor,
            request_ids=request or None,
        )
    _print_table(rep.summary)
    if output is not None:
        write_report(fmt, output, rep)
        console.print(f"wrote {output}")


@oversight_app.command("grant")
def grant(
    grantee: Annotated[str, typer.Argument(help="Oversight user, or * for all.")] = "*",
    body_user: AsBodyOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """(A body's user) let an oversight user read your body's raw evidence."""
    with open_store(db) as store:
        service.grant_evidence(store, caller(user, body_user), grantee)
    console.print(f"evidence of {body_user} readable by {grantee}")


@oversight_app.command("revoke")
def revoke(
    grantee: Annotated[str, typer.Argument(help="Oversight user, or *.")] = "*",
    body_user: AsBodyOpt = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """(A body's user) withdraw a grant."""
    with open_store(db) as store:
        service.revoke_evidence(store, caller(user, body_user), grantee)
    console.print(f"grant to {grantee} withdrawn")


@oversight_app.command("evidence")
def evidence(
    body: Annotated[str, typer.Argument(help="Body key, code or name.")],
    db: DbOpt = None,
    user: UserOpt = None,
    body_user: AsBodyOpt = None,
) -> None:
    """List a body's raw evidence (SHA-256, kind, address), if you may read it."""
    with open_store(db) as store:
        rows = service.body_evidence(store, caller(user, body_user), body)
    for eid, ev in rows:
        console.print(f"{eid}\t{ev.sha256}\t{ev.kind.value}\t{ev.ip or ''}:{ev.port or ''}")
    console.print(f"{len(rows)} pieces of evidence")


# -- answer ------------------------------------------------------------------------------------


@answer_app.command("keygen")
def keygen(
    path: Annotated[Path, typer.Argument(help="Where to write the private key (PEM).")],
) -> None:
    """Create an Ed25519 signing key; prints the public key to give to oversight bodies."""
    console.print(generate_key(path), markup=False)


@answer_app.command("export")
def export(
    org: Annotated[str, typer.Option("--org", help="Your organisation.")],
    output: Annotated[Path, typer.Option("--output", "-o")],
    key: Annotated[
        Path | None, typer.Option(help="Ed25519 private key (PEM) to sign with.")
    ] = None,
    hmac_secret_file: Annotated[Path | None, typer.Option(help="Sign with HMAC instead.")] = None,
    vendor: str = "Hikvision",
    question: Annotated[str | None, typer.Option(help="The request's wording.")] = None,
    db: DbOpt = None,
) -> None:
    """Assess your estate and export the information-request answer as signed JSON."""
    with open_store(db) as store:
        doc = api.export_answer(
            store,
            output,
            org,
            signing_key=key,
            hmac_secret=_secret(hmac_secret_file),
            vendor=vendor,
            question=question,
        )
    sig = (doc.get("signature") or {}).get("alg", "none (hash only)")
    console.print(f"wrote {output}: {doc['answer']} [signature: {sig}; sha256 {doc['sha256']}]")


@answer_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="An exported answer JSON.")],
    public_key: Annotated[Path | None, typer.Option(help="The body's public key (PEM).")] = None,
    hmac_secret_file: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """Check an answer's hash and signature. Exit 2 if it does not verify."""
    check = verify_answer(
        read_answer(file),
        trusted_key=public_key.read_text(encoding="ascii") if public_key else None,
        hmac_secret=_secret(hmac_secret_file),
    )
    console.print(f"{check.provenance}: {check.message} (sha256 {check.sha256})")
    if not check.ok:
        raise typer.Exit(2)
