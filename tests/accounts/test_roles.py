"""What each role may do, and the oversight grant."""

from __future__ import annotations

import pytest

from camaudit.accounts import Capability, Membership, Principal, Role, parse_role


def _p(*ms: Membership) -> Principal:
    return Principal(1, "u", ms)


def test_capabilities_by_role():
    viewer = _p(Membership(1, "A", Role.VIEWER))
    assert viewer.can("A", Capability.EVIDENCE) and not viewer.can("A", Capability.OPERATE)
    operator = _p(Membership(1, "A", Role.OPERATOR))
    assert operator.can("A", Capability.OPERATE) and not operator.can("A", Capability.ADMIN)
    admin = _p(Membership(1, "A", Role.ADMIN))
    assert all(admin.can("A", c) for c in Capability)
    assert not admin.can("B", Capability.AGGREGATES)


def test_oversight_sees_aggregates_and_evidence_only_when_granted():
    p = _p(Membership(1, "A", Role.OVERSIGHT), Membership(2, "B", Role.OVERSIGHT, True))
    assert p.orgs(Capability.AGGREGATES) == {"A", "B"}
    assert p.orgs(Capability.DEVICES) == {"B"}
    assert p.orgs(Capability.EVIDENCE) == {"B"}
    assert not p.orgs(Capability.OPERATE)


def test_parse_role():
    assert parse_role(" Admin ") is Role.ADMIN
    with pytest.raises(ValueError, match="unknown role"):
        parse_role("king")
