"""Digest primitives: RFC known answers, nonce styles, staleness, header parsing."""

from __future__ import annotations

import base64

import pytest

from camaudit.lab.digest import (
    NONCE_STYLES,
    NonceFactory,
    NonceStatus,
    expected_response,
    parse_authorization,
    verify_basic,
    verify_digest,
)


def test_rfc2617_md5_known_answer() -> None:
    params = {
        "username": "Mufasa",
        "realm": "testrealm@host.com",
        "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "uri": "/dir/index.html",
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "0a4f113b",
    }
    got = expected_response(params, method="GET", password="Circle Of Life")
    assert got == "6629fae49393a05397450978507c4ef1"


def test_rfc7616_sha256_known_answer() -> None:
    params = {
        "username": "Mufasa",
        "realm": "http-auth@example.org",
        "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "uri": "/dir/index.html",
        "algorithm": "SHA-256",
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    }
    got = expected_response(params, method="GET", password="Circle of Life")
    assert got == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    params["response"] = got
    assert verify_digest(
        params,
        method="GET",
        target="/dir/index.html",
        username="Mufasa",
        password="Circle of Life",
        realm="http-auth@example.org",
    )
    assert not verify_digest(
        params,
        method="GET",
        target="/other",
        username="Mufasa",
        password="Circle of Life",
        realm="http-auth@example.org",
    )


def test_parse_authorization_quoted_commas_and_escapes() -> None:
    scheme, params = parse_authorization(
        'Digest username="a\\"b", realm="x, y", nonce=abc,qop=auth, nc=00000001'
    )
    assert scheme == "digest"
    assert params == {
        "username": 'a"b',
        "realm": "x, y",
        "nonce": "abc",
        "qop": "auth",
        "nc": "00000001",
    }
    assert parse_authorization("Basic dXNlcjpwdw==") == ("basic", "dXNlcjpwdw==")


@pytest.mark.parametrize("style", NONCE_STYLES)
def test_nonces_valid_forged_stale(style: str) -> None:
    now = [1_700_000_000.0]
    factory = NonceFactory(b"k" * 32, "127.0.0.10:80", style, lifetime=60, clock=lambda: now[0])
    nonce = factory.make()
    assert factory.check(nonce) is NonceStatus.VALID
    other = NonceFactory(b"k" * 32, "127.0.0.11:80", style, lifetime=60, clock=lambda: now[0])
    assert other.check(nonce) is NonceStatus.INVALID  # bound to its endpoint
    assert factory.check(nonce[:-2] + ("00" if nonce[-2:] != "00" else "11")) in (
        NonceStatus.INVALID,
        NonceStatus.STALE,
    )
    assert factory.check("garbage") is NonceStatus.INVALID
    assert factory.check("") is NonceStatus.INVALID
    now[0] += 61
    assert factory.check(nonce) is NonceStatus.STALE


def test_basic() -> None:
    token = base64.b64encode(b"admin:s3cret:with:colons").decode()
    assert verify_basic(token, username="admin", password="s3cret:with:colons")
    assert not verify_basic(token, username="admin", password="s3cret")
    assert not verify_basic("!!!", username="admin", password="x")
