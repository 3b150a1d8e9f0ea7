"""Users and their memberships: add, list, disable, grant roles, load the caller."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from camaudit.accounts.passwords import hash_password
from camaudit.accounts.roles import Membership, Principal, Role
from camaudit.errors import InputError, NotFoundError
from camaudit.models import utcnow
from camaudit.oversight.records import EVERY_OVERSIGHT_USER
from camaudit.store import Store
from camaudit.store.oversight_tables import BodyRow, EvidenceGrantRow
from camaudit.store.tables import OrganisationRow
from camaudit.store.web_tables import MembershipRow, UserRow

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    disabled: bool
    created: datetime | None
    memberships: tuple[Membership, ...] = field(default_factory=tuple)


def _body_grants(s: Session, username: str) -> frozenset[str]:
    """Organisations whose public body granted ``username`` (or every oversight user) its evidence.

    One permission, two doors: an administrator ticks ``evidence_granted`` on the membership, or
    the body grants it through the oversight records (``camaudit oversight grant``); either lets
    that oversight member read the organisation's device pages and raw evidence.
    """
    rows = s.execute(
        select(BodyRow.organisation)
        .join(EvidenceGrantRow, EvidenceGrantRow.body_id == BodyRow.id)
        .where(BodyRow.organisation.is_not(None))
        .where(EvidenceGrantRow.grantee.in_((username, EVERY_OVERSIGHT_USER)))
    )
    return frozenset(org for (org,) in rows if org)


def _memberships(s: Session, user_id: int) -> tuple[Membership, ...]:
    rows = s.execute(
        select(MembershipRow, OrganisationRow.name, UserRow.username)
        .join(OrganisationRow, OrganisationRow.id == MembershipRow.organisation_id)
        .join(UserRow, UserRow.id == MembershipRow.user_id)
        .where(MembershipRow.user_id == user_id)
        .order_by(OrganisationRow.name)
    ).all()
    granted = _body_grants(s, rows[0][2]) if rows else frozenset()
    return tuple(
        Membership(
            m.organisation_id,
            name,
            Role(m.role),
            m.evidence_granted or (Role(m.role) is Role.OVERSIGHT and name in granted),
        )
        for m, name, _user in rows
    )


def _user_row(s: Session, username: str) -> UserRow:
    row = s.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFoundError(f"no user {username!r}")
    return row


def add_user(store: Store, username: str, password: str) -> UserInfo:
    """Create an account (no role anywhere until :func:`grant`)."""
    if not _USERNAME.match(username):
        raise InputError(
            "a username is 2-100 letters, digits or . _ @ - and starts with a letter or digit"
        )
    hashed = hash_password(password)
    with store.session() as s, s.begin():
        if s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
            raise InputError(f"user {username!r} already exists")
        row = UserRow(username=username, password_hash=hashed, disabled=False, created=utcnow())
        s.add(row)
        s.flush()
        return UserInfo(row.id, username, False, row.created)


def set_password(store: Store, username: str, password: str) -> None:
    hashed = hash_password(password)
    with store.session() as s, s.begin():
        _user_row(s, username).password_hash = hashed


def set_disabled(store: Store, username: str, disabled: bool = True) -> None:
    """Disable (or re-enable) an account; a disabled account's sessions and tokens stop working."""
    with store.session() as s, s.begin():
        _user_row(s, username).disabled = disabled


def grant(
    store: Store, username: str, org: str, role: Role, *, evidence_granted: bool = False
) -> Membership:
    """Give ``username`` ``role`` in ``org`` (replacing any role they had there)."""
    with store.session() as s, s.begin():
        user = _user_row(s, username)
        org_id = store._org_id(s, org)
        assert org_id is not None
        row = s.scalar(
            select(MembershipRow).where(
                MembershipRow.user_id == user.id, MembershipRow.organisation_id == org_id
            )
        )
        granted = evidence_granted and role is Role.OVERSIGHT
        if row is None:
            s.add(
                MembershipRow(
                    user_id=user.id,
                    organisation_id=org_id,
                    role=role.value,
                    evidence_granted=granted,
                )
            )
        else:
            row.role, row.evidence_granted = role.value, granted
        return Membership(org_id, org, role, granted)


def revoke(store: Store, username: str, org: str) -> None:
    """Remove ``username``'s role in ``org``."""
    with store.session() as s, s.begin():
        user = _user_row(s, username)
        org_id = store._org_id(s, org, create=False)
        s.execute(
            delete(MembershipRow).where(
                MembershipRow.user_id == user.id, MembershipRow.organisation_id == org_id
            )
        )


def users(store: Store, org: str | None = None) -> list[UserInfo]:
    """Every account (or those with a role in ``org``), with memberships."""
    with store.session() as s:
        rows = list(s.scalars(select(UserRow).order_by(UserRow.username)))
        out = [
            UserInfo(r.id, r.username, r.disabled, r.created, _memberships(s, r.id)) for r in rows
        ]
    if org is not None:
        out = [u for u in out if any(m.org == org for m in u.memberships)]
    return out


def principal(store: Store, user_id: int) -> Principal | None:
    """The caller behind ``user_id``, or None for a missing or disabled account."""
    with store.session() as s:
        row = s.get(UserRow, user_id)
        if row is None or row.disabled:
            return None
        return Principal(row.id, row.username, _memberships(s, row.id))
