"""HTTP Digest client (RFC 7616) and the challenge parser (total on hostile input)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.net.digest import (
    Challenge,
    DigestSession,
    basic_authorization,
    choose_digest,
    offers_basic,
    parse_challenges,
)

RFC7616 = {
    "realm": "http-auth@example.org",
    "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
    "qop": "auth, auth-int",
}
CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


def _param(header: str, name: str) -> str:
    m = re.search(rf'(?:^|[ ,]){name}="?([^",]*)"?', header)
    assert m, header
    return m.group(1)


@pytest.mark.parametrize(
    "algorithm, expected",
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_known_answers(algorithm: str, expected: str) -> None:
    challenge = Challenge("digest", {**RFC7616, "algorithm": algorithm})
    session = DigestSession(challenge, "Mufasa", "Circle of Life", cnonce=CNONCE)
    header = session.authorization("GET", "/dir/index.html")
    assert header.startswith("Digest ")
    assert _param(header, "response") == expected
    assert _param(header, "nc") == "00000001"
    assert _param(header, "opaque") == RFC7616["opaque"]
    assert _param(header, "qop") == "auth"
    assert _param(session.authorization("GET", "/x"), "nc") == "00000002"


def test_rfc2617_md5_known_answer_without_algorithm_param() -> None:
    challenge = Challenge(
        "digest",
        {
            "realm": "testrealm@host.com",
            "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            "qop": "auth",
        },
    )
    session = DigestSession(challenge, "Mufasa", "Circle Of Life", cnonce="0a4f113b")
    header = session.authorization("GET", "/dir/index.html")
    assert _param(header, "response") == "6629fae49393a05397450978507c4ef1"
    assert "algorithm" not in header


def test_lab_digest_verifier_accepts_our_answers() -> None:
    """An independent implementation (the lab's server side) checks our responses."""
    from camaudit.lab.digest import parse_authorization, verify_digest

    for algorithm in ("MD5", "SHA-256"):
        challenge = parse_challenges(
            [f'Digest realm="IP Camera(C2189)", qop="auth", nonce="abc123", algorithm={algorithm}']
        )[0]
        session = DigestSession(challenge, 'ad"min', "p@ss, word")
        header = session.authorization("GET", "/ISAPI/System/deviceInfo")
        scheme, params = parse_authorization(header)
        assert scheme == "digest" and isinstance(params, dict)
        assert verify_digest(
            params,
            method="GET",
            target="/ISAPI/System/deviceInfo",
            username='ad"min',
            password="p@ss, word",
            realm="IP Camera(C2189)",
        )


def test_parse_several_challenges_and_choose_the_strongest() -> None:
    headers = [
        'Digest algorithm=MD5, realm="r", qop="auth", nonce="n1", opaque="o"',
        'Digest algorithm=SHA-256, realm="r", qop="auth", nonce="n2", opaque="o", Basic realm="b"',
    ]
    found = parse_challenges(headers)
    assert [c.scheme for c in found] == ["digest", "digest", "basic"]
    assert found[2].realm == "b"
    chosen = choose_digest(found)
    assert chosen is not None and chosen.algorithm == "SHA-256" and chosen.params["nonce"] == "n2"
    assert offers_basic(found)


def test_hikvision_and_dahua_shapes() -> None:
    hik = parse_challenges(
        ['Digest qop="auth", realm="IP Camera(FG513)", nonce="4e5a", stale="FALSE"']
    )
    assert hik[0].realm == "IP Camera(FG513)" and not hik[0].stale and hik[0].algorithm == "MD5"
    stale = parse_challenges(['Digest realm="x", nonce="y", stale=TRUE'])
    assert stale[0].stale
    escaped = parse_challenges([r'Digest realm="Login to \"SN\"", nonce="n"'])
    assert escaped[0].realm == 'Login to "SN"'


@pytest.mark.parametrize(
    "header",
    [
        'Digest realm="r", nonce="n", algorithm=SHA-512-256',
        'Digest realm="r", nonce="n", qop="auth-int"',
        'Digest realm="r"',
        'Basic realm="r"',
    ],
)
def test_unanswerable_challenges_are_not_chosen(header: str) -> None:
    assert choose_digest(parse_challenges([header])) is None


def test_session_repr_hides_credentials() -> None:
    session = DigestSession(Challenge("digest", {"realm": "r", "nonce": "n"}), "alice", "s3cret!")
    assert "alice" not in repr(session) and "s3cret" not in repr(session)
    with pytest.raises(ValueError):
        DigestSession(Challenge("basic", {}), "a", "b")


def test_basic_authorization() -> None:
    assert basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=4))
def test_parser_is_total_on_any_text(values: list[str]) -> None:
    for challenge in parse_challenges(values):
        assert challenge.scheme and isinstance(challenge.params, dict)
        assert len(challenge.params) <= 32


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parser_is_total_on_any_bytes(raw: bytes) -> None:
    parse_challenges([raw.decode("latin-1")])


token = st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)
value = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(token, value, min_size=1, max_size=10))
def test_quoted_params_round_trip(params: dict[str, str]) -> None:
    def quote(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    header = "Digest " + ", ".join(f"{k}={quote(v)}" for k, v in params.items())
    found = parse_challenges([header])
    expected: dict[str, str] = {}
    for k, v in params.items():
        expected.setdefault(k.lower(), v)
    assert found[0].scheme == "digest"
    assert found[0].params == expected


def test_hostile_headers_are_cheap() -> None:
    for hostile in ['a="' * 5000, "a=" + "\\" * 9000, ", " * 9000, "Digest " + "x=y, " * 5000]:
        t0 = time.monotonic()
        parse_challenges([hostile])
        assert time.monotonic() - t0 < 0.2
