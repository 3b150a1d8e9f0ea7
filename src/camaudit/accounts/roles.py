"""Roles per organisation and what each may do.

A user holds at most one role in each organisation. ``oversight`` is for a body that watches many
organisations (a regulator, an auditor): it sees aggregates only, unless the organisation has
granted it its evidence (``evidence_granted``), which adds the device pages and the raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"
    OVERSIGHT = "oversight"


class Capability(StrEnum):
    """What a role allows, checked by the scoped estate (never page by page)."""

    AGGREGATES = "aggregates"  # counts and charts
    DEVICES = "devices"  # device lists and pages, findings, audits, reports
    EVIDENCE = "evidence"  # the raw stored bytes
    OPERATE = "operate"  # start imports and scans
    ADMIN = "admin"  # users, scopes and the activity log of the organisation


_SEE = frozenset({Capability.AGGREGATES, Capability.DEVICES, Capability.EVIDENCE})
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: _SEE,
    Role.OPERATOR: _SEE | {Capability.OPERATE},
    Role.ADMIN: _SEE | {Capability.OPERATE, Capability.ADMIN},
    Role.OVERSIGHT: frozenset({Capability.AGGREGATES}),
}
#: What an oversight body gains where an organisation has granted it its evidence.
GRANTED_OVERSIGHT = frozenset({Capability.DEVICES, Capability.EVIDENCE})


def parse_role(text: str) -> Role:
    """``Role`` from its name, or ValueError naming the choices."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown role {text!r}; choose one of: {', '.join(r.value for r in Role)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Membership:
    """One user's role in one organisation."""

    org_id: int
    org: str
    role: Role
    evidence_granted: bool = False

    @property
    def capabilities(self) -> frozenset[Capability]:
        caps = ROLE_CAPABILITIES[self.role]
        if self.role is Role.OVERSIGHT and self.evidence_granted:
            caps = caps | GRANTED_OVERSIGHT
        return caps


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a user and their memberships (how they authenticated is the web's concern)."""

    user_id: int
    username: str
    memberships: tuple[Membership, ...] = ()

    def orgs(self, cap: Capability) -> frozenset[str]:
        """Names of the organisations where the caller has ``cap``."""
        return frozenset(m.org for m in self.memberships if cap in m.capabilities)

    def can(self, org: str, cap: Capability) -> bool:
        return org in self.orgs(cap)

    def member_of(self, org: str) -> bool:
        return any(m.org == org for m in self.memberships)

    def role_in(self, org: str) -> Role | None:
        for m in self.memberships:
            if m.org == org:
                return m.role
        return None

    @property
    def is_admin_anywhere(self) -> bool:
        return bool(self.orgs(Capability.ADMIN))
