"""Storage of oversight records over the camaudit :class:`~camaudit.store.Store`.

No access control here: :mod:`camaudit.oversight.service` checks the caller first and is what
the CLI and the web pages call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from camaudit.errors import InputError
from camaudit.models import utcnow
from camaudit.oversight.bodies import Body, Population, name_key
from camaudit.oversight.population import PopulationRow, PopulationTable
from camaudit.oversight.types import (
    Attachment,
    InfoRequest,
    Recipient,
    Response,
    ResponseStatus,
)
from camaudit.store import Store
from camaudit.store.oversight_tables import (
    AttachmentRow,
    BodyRow,
    EvidenceGrantRow,
    InfoRequestRow,
    RecipientRow,
    ResponseRow,
)

#: Largest attachment kept (bytes).
MAX_ATTACHMENT = 25 * 1024 * 1024
#: Grantee meaning "every oversight user".
EVERY_OVERSIGHT_USER = "*"


def _body(row: BodyRow) -> Body:
    pop = None
    if row.population is not None:
        pop = Population(
            row.population,
            row.population_vintage or "",
            row.population_source or "",
            row.population_confidence,
        )
    return Body(
        key=row.key,
        name=row.name,
        kind=row.kind,
        code=row.code,
        official_name=row.official_name,
        nation=row.nation,
        population=pop,
        source=row.source,
        organisation=row.organisation,
        public_key=row.public_key,
    )


def _request(row: InfoRequestRow) -> InfoRequest:
    return InfoRequest(
        row.id,
        row.title,
        row.round,
        tuple(row.questions or ()),
        row.created_by,
        row.created,
        row.source,
    )


@dataclass(frozen=True, slots=True)
class PopulationImport:
    """What a population import changed."""

    vintage: str
    source: str
    updated: tuple[str, ...]
    unmatched: tuple[PopulationRow, ...]
    not_in_file: tuple[str, ...]


class Records:
    """Typed access to the oversight tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _s(self) -> Session:
        return self.store.session()

    # -- bodies -------------------------------------------------------------------------------

    def upsert_bodies(self, bodies: Iterable[Body]) -> tuple[int, int]:
        """Add or update bodies by key; returns (added, updated). Existing links, keys and
        populations are kept when the new record has none."""
        added = updated = 0
        with self._s() as s, s.begin():
            for b in bodies:
                row = s.scalar(select(BodyRow).where(BodyRow.key == b.key))
                if row is None:
                    row = BodyRow(key=b.key, name=b.name)
                    s.add(row)
                    added += 1
                else:
                    updated += 1
                row.name, row.kind, row.source = b.name, b.kind, b.source
                row.code = b.code or row.code
                row.official_name = b.official_name or row.official_name
                row.nation = b.nation or row.nation
                row.organisation = b.organisation or row.organisation
                if b.population is not None:
                    self._set_population(row, b.population)
        return added, updated

    @staticmethod
    def _set_population(row: BodyRow, p: Population) -> None:
        row.population = p.value
        row.population_vintage = p.vintage
        row.population_source = p.source
        row.population_confidence = p.confidence

    def bodies(self) -> list[Body]:
        with self._s() as s:
            return [_body(r) for r in s.scalars(select(BodyRow).order_by(BodyRow.name))]

    def body(self, ref: str) -> Body:
        """A body by key, code or name (InputError if none or several match)."""
        return _body(self._body_row_readonly(ref))

    def _body_row_readonly(self, ref: str) -> BodyRow:
        with self._s() as s:
            return self._body_row(s, ref)

    def _body_row(self, s: Session, ref: str) -> BodyRow:
        row = s.scalar(select(BodyRow).where(BodyRow.key == ref))
        if row is None:
            row = s.scalar(select(BodyRow).where(BodyRow.code == ref))
        if row is None:
            want = name_key(ref)
            hits = [r for r in s.scalars(select(BodyRow)) if name_key(r.name) == want]
            if len(hits) == 1:
                row = hits[0]
        if row is None:
            raise InputError(
                f"no body {ref!r} (give its key, code or name; `camaudit bodies list`)"
            )
        return row

    def link_body(self, ref: str, organisation: str | None) -> Body:
        """Say which camaudit organisation's audits are this body's (None: unlink)."""
        with self._s() as s, s.begin():
            row = self._body_row(s, ref)
            row.organisation = organisation
            return _body(row)

    def set_public_key(self, ref: str, pem: str | None) -> Body:
        """Register the Ed25519 public key the body signs its answers with."""
        with self._s() as s, s.begin():
            row = self._body_row(s, ref)
            row.public_key = pem
            return _body(row)

    def apply_population(
        self, table: PopulationTable, vintage: str, source: str
    ) -> PopulationImport:
        """Set each body's population from ``table`` (matched by code, else by name)."""
        updated: list[str] = []
        unmatched: list[PopulationRow] = []
        with self._s() as s, s.begin():
            rows = list(s.scalars(select(BodyRow)))
            by_code = {r.code: r for r in rows if r.code}
            by_name: dict[str, list[BodyRow]] = {}
            for r in rows:
                by_name.setdefault(name_key(r.name), []).append(r)
            seen: set[int] = set()
            # rows with a code match by code only (a health board "Fife", S08..., is not the
            # council area "Fife", S12...); rows without one by name, after every coded row
            ordered = [p for p in table.rows if p.code] + [p for p in table.rows if not p.code]
            for p in ordered:
                if p.code:
                    row = by_code.get(p.code)
                else:
                    hits = by_name.get(name_key(p.name or ""), [])
                    row = hits[0] if len(hits) == 1 else None
                if row is None or row.id in seen:
                    unmatched.append(p)
                    continue
                seen.add(row.id)
                self._set_population(row, Population(p.value, vintage, source))
                updated.append(row.key)
            missing = tuple(sorted(r.key for r in rows if r.id not in seen))
        return PopulationImport(vintage, source, tuple(updated), tuple(unmatched), missing)

    # -- requests and recipients ---------------------------------------------------------------

    def create_request(
        self,
        title: str,
        round: str,
        questions: Sequence[str],
        user: str,
        source: str | None = None,
    ) -> InfoRequest:
        if not title.strip() or not questions:
            raise InputError("a request needs a title and at least one question")
        with self._s() as s, s.begin():
            row = InfoRequestRow(
                title=title.strip(),
                round=round.strip(),
                questions=[q.strip() for q in questions if q.strip()],
                created_by=user,
                created=utcnow(),
                source=source,
            )
            s.add(row)
            s.flush()
            return _request(row)

    def requests(self) -> list[InfoRequest]:
        with self._s() as s:
            return [
                _request(r) for r in s.scalars(select(InfoRequestRow).order_by(InfoRequestRow.id))
            ]

    def request(self, request_id: int) -> InfoRequest:
        with self._s() as s:
            row = s.get(InfoRequestRow, request_id)
            if row is None:
                raise InputError(f"no information request {request_id}")
            return _request(row)

    def add_recipients(
        self,
        request_id: int,
        refs: Iterable[str],
        sent: date | None,
        channel: str = "recorded",
        addresses: dict[str, str] | None = None,
    ) -> list[Recipient]:
        """Record that the request went to these bodies on ``sent`` (``None``: date not known)."""
        self.request(request_id)
        out = []
        with self._s() as s, s.begin():
            for ref in refs:
                body = self._body_row(s, ref)
                row = s.scalar(
                    select(RecipientRow).where(
                        RecipientRow.request_id == request_id, RecipientRow.body_id == body.id
                    )
                )
                if row is None:
                    row = RecipientRow(request_id=request_id, body_id=body.id, sent=sent)
                    s.add(row)
                row.sent, row.channel = sent, channel
                row.address = (addresses or {}).get(body.key)
                out.append(Recipient(request_id, _body(body), sent, channel, row.address))
        return out

    def recipients(self, request_id: int | None = None) -> list[Recipient]:
        q = select(RecipientRow, BodyRow).join(BodyRow, BodyRow.id == RecipientRow.body_id)
        if request_id is not None:
            q = q.where(RecipientRow.request_id == request_id)
        with self._s() as s:
            return [
                Recipient(r.request_id, _body(b), r.sent, r.channel, r.address)
                for r, b in s.execute(q.order_by(BodyRow.name))
            ]

    # -- responses -------------------------------------------------------------------------------

    def add_response(
        self,
        request_id: int,
        body: str | None,
        status: ResponseStatus,
        *,
        user: str,
        received: date | None = None,
        text: str = "",
        exemption: str | None = None,
        source: str | None = None,
        reported_devices: int | None = None,
        replacement_plan: str | None = None,
        replacement_cost: float | None = None,
        answer: dict[str, Any] | None = None,
        answer_sha256: str | None = None,
        provenance: str | None = None,
        attachments: Sequence[Path] = (),
    ) -> Response:
        """Record one response (``body`` None: a response reported but not named)."""
        self.request(request_id)
        if status is ResponseStatus.REFUSED and not exemption:
            raise InputError("a refusal needs the exemption the body cited (--exemption)")
        files = []
        for p in attachments:
            try:
                data = p.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read attachment {p}: {exc.strerror or exc}") from None
            if len(data) > MAX_ATTACHMENT:
                raise InputError(f"attachment {p} is over {MAX_ATTACHMENT // 2**20} MiB")
            files.append((p.name, data))
        with self._s() as s, s.begin():
            body_id = self._body_row(s, body).id if body else None
            row = ResponseRow(
                request_id=request_id,
                body_id=body_id,
                status=status.value,
                received=received,
                text=text,
                exemption=exemption,
                source=source,
                reported_devices=reported_devices,
                replacement_plan=replacement_plan,
                replacement_cost=replacement_cost,
                answer=answer,
                answer_sha256=answer_sha256,
                provenance=provenance,
                recorded_by=user,
                recorded=utcnow(),
            )
            s.add(row)
            s.flush()
            for name, data in files:
                s.add(
                    AttachmentRow(
                        response_id=row.id,
                        filename=name,
                        sha256=hashlib.sha256(data).hexdigest(),
                        size=len(data),
                        content=data,
                    )
                )
            rid = row.id
        return self.response(rid)

    def responses(
        self,
        request_id: int | None = None,
        body: str | None = None,
        response_id: int | None = None,
    ) -> list[Response]:
        q = select(ResponseRow, BodyRow).outerjoin(BodyRow, BodyRow.id == ResponseRow.body_id)
        if response_id is not None:
            q = q.where(ResponseRow.id == response_id)
        if request_id is not None:
            q = q.where(ResponseRow.request_id == request_id)
        if body is not None:
            q = q.where(BodyRow.key == body)
        with self._s() as s:
            rows = list(s.execute(q.order_by(ResponseRow.id)))
            ids = [r.id for r, _ in rows]
            atts: dict[int, list[Attachment]] = {}
            if ids:
                for a in s.scalars(select(AttachmentRow).where(AttachmentRow.response_id.in_(ids))):
                    atts.setdefault(a.response_id, []).append(
                        Attachment(a.id, a.filename, a.sha256, a.size)
                    )
            return [
                Response(
                    id=r.id,
                    request_id=r.request_id,
                    body=_body(b) if b is not None else None,
                    status=ResponseStatus(r.status),
                    received=r.received,
                    text=r.text,
                    exemption=r.exemption,
                    source=r.source,
                    reported_devices=r.reported_devices,
                    replacement_plan=r.replacement_plan,
                    replacement_cost=r.replacement_cost,
                    answer=r.answer,
                    answer_sha256=r.answer_sha256,
                    provenance=r.provenance,
                    recorded_by=r.recorded_by,
                    recorded=r.recorded,
                    attachments=tuple(atts.get(r.id, ())),
                )
                for r, b in rows
            ]

    def response(self, response_id: int) -> Response:
        found = self.responses(response_id=response_id)
        if not found:
            raise InputError(f"no response {response_id}")
        return found[0]

    def attachment(self, attachment_id: int) -> tuple[int, str, bytes]:
        """``(response id, filename, bytes)`` of an attachment."""
        with self._s() as s:
            row = s.get(AttachmentRow, attachment_id)
            if row is None:
                raise InputError(f"no attachment {attachment_id}")
            return row.response_id, row.filename, row.content

    # -- evidence grants -------------------------------------------------------------------------

    def grant(self, body: str, grantee: str, by: str) -> None:
        with self._s() as s, s.begin():
            row = self._body_row(s, body)
            exists = s.scalar(
                select(EvidenceGrantRow).where(
                    EvidenceGrantRow.body_id == row.id, EvidenceGrantRow.grantee == grantee
                )
            )
            if exists is None:
                s.add(
                    EvidenceGrantRow(
                        body_id=row.id, grantee=grantee, granted_by=by, granted=utcnow()
                    )
                )

    def revoke(self, body: str, grantee: str) -> None:
        with self._s() as s, s.begin():
            row = self._body_row(s, body)
            s.execute(
                delete(EvidenceGrantRow).where(
                    EvidenceGrantRow.body_id == row.id, EvidenceGrantRow.grantee == grantee
                )
            )

    def grantees(self, body: str) -> list[str]:
        with self._s() as s:
            row = self._body_row(s, body)
            return sorted(
                s.scalars(
                    select(EvidenceGrantRow.grantee).where(EvidenceGrantRow.body_id == row.id)
                )
            )
