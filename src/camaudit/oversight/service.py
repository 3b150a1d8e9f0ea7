"""The oversight API the CLI and the web pages call: every function takes the store and the
:class:`~camaudit.oversight.types.Caller` and enforces what that caller may do.

Rules:

- oversight users draft and send requests, record responses, read every response and the
  aggregates; they read a body's raw evidence only if that body granted it (to them by name, or
  to every oversight user);
- a body's users see the requests sent to their body and their own body's responses only,
  may record their own body's response (with its signed answer), and grant or revoke access to
  their evidence; never another body's records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from camaudit.errors import AccessDeniedError, InputError
from camaudit.models import Evidence
from camaudit.oversight.aggregate import RoundSummary, summarise_round
from camaudit.oversight.bodies import Body, load_reference, read_bodies_csv
from camaudit.oversight.mail import SmtpConfig, compose, send
from camaudit.oversight.population import read_population_table
from camaudit.oversight.records import EVERY_OVERSIGHT_USER, PopulationImport, Records
from camaudit.oversight.types import Caller, InfoRequest, Recipient, Response, ResponseStatus, Role
from camaudit.oversight.workdays import Deadline, foi_deadline
from camaudit.reports.answer_json import AnswerCheck, verify_answer
from camaudit.store import Store


def _oversight_only(caller: Caller, what: str) -> None:
    if caller.role is not Role.OVERSIGHT:
        raise AccessDeniedError(f"{caller.user} ({caller.role.value}) may not {what}")


def _own_body(caller: Caller, body: Body | None, what: str) -> None:
    if caller.role is Role.BODY and (body is None or body.key != caller.body):
        raise AccessDeniedError(f"{caller.user} may not {what} of another body")


# -- bodies -----------------------------------------------------------------------------------


def load_reference_bodies(
    store: Store, caller: Caller, path: Path | None = None
) -> tuple[int, int]:
    """Load the shipped reference list (Scotland) into the store; (added, updated)."""
    _oversight_only(caller, "change the list of bodies")
    return Records(store).upsert_bodies(load_reference(path) if path else load_reference())


def import_bodies(store: Store, caller: Caller, path: Path) -> tuple[int, int]:
    """Import bodies from a CSV file (other nations and sectors)."""
    _oversight_only(caller, "change the list of bodies")
    return Records(store).upsert_bodies(read_bodies_csv(path))


def import_population(
    store: Store,
    caller: Caller,
    path: Path,
    *,
    vintage: str | None = None,
    source: str | None = None,
) -> PopulationImport:
    """Set populations from a downloaded table (NRS mid-year estimates, CSV/XLSX)."""
    _oversight_only(caller, "change populations")
    table = read_population_table(path)
    when = vintage or table.vintage
    if not when:
        raise InputError(f"{path}: cannot tell the vintage from the table; give --vintage mid-YYYY")
    where = source or (
        f"NRS mid-year population estimates, file {path.name} "
        f"(sha256 {table.sha256[:16]}…{', sheet ' + table.sheet if table.sheet else ''})"
    )
    return Records(store).apply_population(table, when, where)


def list_bodies(store: Store, caller: Caller) -> list[Body]:
    """Every body (names, codes and populations are public reference data)."""
    return Records(store).bodies()


def body_of_organisation(store: Store, organisation: str) -> Body | None:
    """The body linked to a camaudit organisation (how the web maps a member of an
    organisation to ``Caller.of_body``), or None."""
    hits = [b for b in Records(store).bodies() if b.organisation == organisation]
    return hits[0] if len(hits) == 1 else None


def link_body(store: Store, caller: Caller, body: str, organisation: str | None) -> Body:
    """Link a body to the camaudit organisation its audits are stored under."""
    _oversight_only(caller, "link bodies to organisations")
    return Records(store).link_body(body, organisation)


def register_key(store: Store, caller: Caller, body: str, public_pem: str) -> Body:
    """Register the body's answer-signing public key (oversight user, or the body itself)."""
    records = Records(store)
    target = records.body(body)
    _own_body(caller, target, "register the key")
    from camaudit.reports.answer_json import load_public_key

    load_public_key(public_pem)
    return records.set_public_key(target.key, public_pem)


# -- requests --------------------------------------------------------------------------------


def draft_request(
    store: Store,
    caller: Caller,
    title: str,
    questions: Sequence[str],
    round: str,
    source: str | None = None,
) -> InfoRequest:
    _oversight_only(caller, "draft information requests")
    return Records(store).create_request(title, round, questions, caller.user, source)


def list_requests(store: Store, caller: Caller) -> list[InfoRequest]:
    records = Records(store)
    if caller.role is Role.OVERSIGHT:
        return records.requests()
    mine = {r.request_id for r in records.recipients() if r.body.key == caller.body}
    return [r for r in records.requests() if r.id in mine]


@dataclass(frozen=True, slots=True)
class Sent:
    recipients: tuple[Recipient, ...]
    emailed: int
    note: str


def send_request(
    store: Store,
    caller: Caller,
    request_id: int,
    bodies: Sequence[str],
    *,
    sent: date | None,
    addresses: dict[str, str] | None = None,
    smtp: SmtpConfig | None = None,
) -> Sent:
    """Record the request as sent to ``bodies`` on ``sent``; e-mail it when ``smtp`` is given
    and an address is known for the body (otherwise recorded only)."""
    _oversight_only(caller, "send information requests")
    records = Records(store)
    request = records.request(request_id)
    addresses = addresses or {}
    keys = [records.body(b).key for b in bodies]
    mailing = {k: addresses[k] for k in keys if smtp and k in addresses}
    recips = records.add_recipients(
        request_id, [k for k in keys if k in mailing], sent, "email", addresses
    ) + records.add_recipients(
        request_id, [k for k in keys if k not in mailing], sent, "recorded", addresses
    )
    emailed = 0
    if smtp and mailing:
        msgs = [
            compose(request, smtp.sender, mailing[r.body.key], r.body.name)
            for r in recips
            if r.body.key in mailing
        ]
        emailed = send(smtp, msgs)
    note = (
        f"e-mailed {emailed} via {smtp.host}"
        if smtp and emailed
        else "recorded as sent (no SMTP server configured, or no address): send it yourself"
    )
    return Sent(tuple(recips), emailed, note)


def deadlines(
    store: Store, caller: Caller, request_id: int, today: date
) -> list[tuple[Recipient, Deadline | None, Response | None]]:
    """Per recipient: the FOI deadline (None if the sent date is not known), its state as of
    ``today``, and the body's response."""
    records = Records(store)
    answered = {r.body.key: r for r in records.responses(request_id) if r.body is not None}
    out = []
    for rc in records.recipients(request_id):
        if caller.role is Role.BODY and rc.body.key != caller.body:
            continue
        resp = answered.get(rc.body.key)
        received = resp.received if resp else None
        due = foi_deadline(rc.sent, today, received) if rc.sent else None
        out.append((rc, due, resp))
    return out


# -- responses -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    response: Response
    check: AnswerCheck | None


def record_response(
    store: Store,
    caller: Caller,
    request_id: int,
    body: str | None,
    status: ResponseStatus,
    *,
    received: date | None = None,
    text: str = "",
    exemption: str | None = None,
    source: str | None = None,
    reported_devices: int | None = None,
    replacement_plan: str | None = None,
    replacement_cost: float | None = None,
    answer: dict[str, Any] | None = None,
    hmac_secret: bytes | None = None,
    attachments: Sequence[Path] = (),
) -> Recorded:
    """Record a response. An ``answer`` document is checked first (hash, signature, and the key
    registered for the body); one that does not verify is refused."""
    records = Records(store)
    target = records.body(body) if body else None
    if caller.role is Role.BODY:
        _own_body(caller, target, "record the response")
    check = None
    if answer is not None:
        if target is None:
            raise InputError("an exported answer belongs to a named body: give the body")
        check = verify_answer(answer, trusted_key=target.public_key, hmac_secret=hmac_secret)
        if not check.ok:
            raise InputError(f"the answer does not verify: {check.message}")
    resp = records.add_response(
        request_id,
        target.key if target else None,
        status,
        user=caller.user,
        received=received,
        text=text,
        exemption=exemption,
        source=source,
        reported_devices=reported_devices,
        replacement_plan=replacement_plan,
        replacement_cost=replacement_cost,
        answer=answer,
        answer_sha256=check.sha256 if check else None,
        provenance=check.provenance if check else None,
        attachments=attachments,
    )
    return Recorded(resp, check)


def list_responses(store: Store, caller: Caller, request_id: int | None = None) -> list[Response]:
    """Responses the caller may see (a body user: their own body's only)."""
    records = Records(store)
    if caller.role is Role.OVERSIGHT:
        return records.responses(request_id)
    return records.responses(request_id, body=caller.body)


def get_response(store: Store, caller: Caller, response_id: int) -> Response:
    resp = Records(store).response(response_id)
    if caller.role is Role.BODY:
        _own_body(caller, resp.body, "read the responses")
    return resp


def get_attachment(store: Store, caller: Caller, attachment_id: int) -> tuple[str, bytes]:
    records = Records(store)
    response_id, name, data = records.attachment(attachment_id)
    get_response(store, caller, response_id)  # same rule as the response
    return name, data


# -- evidence access ---------------------------------------------------------------------------


def grant_evidence(store: Store, caller: Caller, grantee: str = EVERY_OVERSIGHT_USER) -> None:
    """A body user lets ``grantee`` (an oversight user, or ``*`` for all) read their evidence."""
    if caller.role is not Role.BODY or caller.body is None:
        raise AccessDeniedError("only a body's own users can grant access to its evidence")
    Records(store).grant(caller.body, grantee, caller.user)


def revoke_evidence(store: Store, caller: Caller, grantee: str = EVERY_OVERSIGHT_USER) -> None:
    if caller.role is not Role.BODY or caller.body is None:
        raise AccessDeniedError("only a body's own users can revoke access to its evidence")
    Records(store).revoke(caller.body, grantee)


def can_read_evidence(store: Store, caller: Caller, body: str) -> bool:
    records = Records(store)
    target = records.body(body)
    if caller.role is Role.BODY:
        return target.key == caller.body
    grantees = set(records.grantees(target.key))
    return caller.user in grantees or EVERY_OVERSIGHT_USER in grantees


def body_evidence(store: Store, caller: Caller, body: str) -> list[tuple[int, Evidence]]:
    """The raw evidence of the body's audits (its linked organisation), if the caller may read it."""
    records = Records(store)
    target = records.body(body)
    if not can_read_evidence(store, caller, target.key):
        raise AccessDeniedError(
            f"{caller.user} may not read the raw evidence of {target.name}: not granted by the body"
        )
    if not target.organisation:
        return []
    return [(eid, ev) for eid, _aid, ev in store.iter_evidence(org=target.organisation)]


# -- aggregates --------------------------------------------------------------------------------


def rounds(store: Store, caller: Caller) -> list[str]:
    """Survey rounds in the order their first request was drafted."""
    _oversight_only(caller, "read the aggregates")
    seen: dict[str, None] = {}
    for r in Records(store).requests():
        seen.setdefault(r.round)
    return list(seen)


def round_summary(
    store: Store,
    caller: Caller,
    round: str,
    *,
    today: date,
    vendor: str = "Hikvision",
    request_ids: Sequence[int] | None = None,
) -> RoundSummary:
    """The survey table and per-body figures of one round (oversight users only)."""
    _oversight_only(caller, "read the aggregates")
    records = Records(store)
    requests = [
        r
        for r in records.requests()
        if r.round == round and (request_ids is None or r.id in request_ids)
    ]
    if not requests:
        raise InputError(f"no information request in round {round!r}")
    recips = [rc for r in requests for rc in records.recipients(r.id)]
    resps = [resp for r in requests for resp in records.responses(r.id)]
    return summarise_round(round, requests, recips, resps, today=today, vendor=vendor)


@dataclass(frozen=True, slots=True)
class EvidenceCheck:
    """A recorded answer checked against the body's stored evidence (needs the body's grant)."""

    response: int
    cited: int
    found: int
    missing: tuple[str, ...]
    restricted_in_answer: int
    restricted_in_store: int

    @property
    def ok(self) -> bool:
        return not self.missing and self.restricted_in_answer == self.restricted_in_store


def check_answer_evidence(store: Store, caller: Caller, response_id: int) -> EvidenceCheck:
    """Whether every evidence hash the answer cites is in the body's stored evidence, and its
    restricted count matches the devices stored for the body now."""
    resp = get_response(store, caller, response_id)
    if resp.body is None or not resp.answer:
        raise InputError(f"response {response_id} has no exported answer to check")
    rows = body_evidence(store, caller, resp.body.key)
    stored = {ev.sha256 for _, ev in rows}
    cited = {h for d in resp.answer.get("devices") or [] for h in d.get("evidence") or []}
    org = resp.body.organisation
    in_store = len(store.devices(org, restricted=True)) if org else 0
    return EvidenceCheck(
        response_id,
        len(cited),
        len(cited & stored),
        tuple(sorted(cited - stored)),
        int((resp.answer.get("restricted") or {}).get("devices", 0)),
        in_store,
    )
