import pytest
from hypothesis import given
from hypothesis import strategies as st

from camaudit.errors import ScopeError
from camaudit.net.scope import Scope, parse_target


def test_cidr_minus_exclusions():
    scope = Scope.parse(["127.20.0.0/29"], ["127.20.0.3", "127.20.0.4/31"])
    assert list(scope) == ["127.20.0.0", "127.20.0.1", "127.20.0.2", "127.20.0.6", "127.20.0.7"]
    assert "127.20.0.3" not in scope and "127.20.0.1" in scope
    assert "127.21.0.1" not in scope


def test_range_and_single_and_overlap_counted_once():
    scope = Scope.parse(["127.20.0.10-12", "127.20.0.11", "127.20.0.8/30"])
    assert list(scope) == ["127.20.0.8", "127.20.0.9", "127.20.0.10", "127.20.0.11", "127.20.0.12"]


@pytest.mark.parametrize(
    "bad", ["127.20.0.0/33", "camera.example.org", "127.20.0.9-3", "", "1.2.3"]
)
def test_bad_targets_are_scope_errors(bad):
    with pytest.raises(ScopeError):
        parse_target(bad)


def test_check_refuses_outside():
    scope = Scope.parse(["127.20.0.0/30"])
    scope.check("127.20.0.1")
    with pytest.raises(ScopeError, match="outside the scan scope"):
        scope.check("127.20.0.9")
    assert "not-an-ip" not in scope


def test_oversized_scope_refused():
    with pytest.raises(ScopeError, match="more than the limit"):
        Scope.parse(["10.0.0.0/8"], max_hosts=1 << 16)


@given(st.integers(0, 2**16 - 1), st.integers(0, 2**16 - 1))
def test_membership_matches_iteration(a, b):
    scope = Scope.parse(["127.30.0.0/28"], [f"127.30.0.{a % 16}"])
    listed = set(scope)
    ip = f"127.30.0.{b % 16}"
    assert (ip in listed) == (ip in scope)
    assert len(listed) == 15


def test_covering_block():
    from camaudit.net.scope import covering_block

    assert covering_block(["127.20.0.10", "127.20.0.12"]) == "127.20.0.8/29"
    assert covering_block(["127.64.0.10", "127.64.19.200"]) == "127.64.0.0/19"
    assert covering_block(["127.1.2.3"]) == "127.1.2.3/32"
