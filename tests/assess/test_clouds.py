"""kb/clouds.yaml: examples as tests, and hostile input never breaks the readers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.assess.clouds import (
    check_cloud_examples,
    cloud_states,
    default_certificate,
    load_clouds,
    load_clouds_from,
    normalise_host,
)
from camaudit.errors import KnowledgeBaseError
from camaudit.models import Evidence, EvidenceKind

DATA = load_clouds()


def test_examples_pass():
    assert check_cloud_examples(DATA) == []


def test_contents():
    ids = {s.id for s in DATA.services}
    assert {"hik-connect", "dahua-p2p", "tplink-cloud"} <= ids
    hik = next(s for s in DATA.services if s.id == "hik-connect")
    assert "litedev.hik-connect.com" in hik.hosts and "hik-connect.com" in hik.domains
    assert {c.vendor for c in DATA.certificates} >= {"Hikvision", "Dahua", "Axis", "TP-Link"}


def test_every_service_and_certificate_has_examples_that_can_fail():
    for svc in DATA.services:
        assert svc.examples and svc.source
    negatives = [e for svc in DATA.services for e in svc.examples if e.expect == "none"]
    assert negatives  # some examples check that look-alikes do not match


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("LITEDEV.EZVIZLIFE.COM.", "litedev.ezvizlife.com"),
        ("localhost", None),
        ("a b.com", None),
        ("x" * 300 + ".com", None),
    ],
)
def test_normalise_host(raw, host):
    assert normalise_host(raw) == host


def test_lookalike_domain_is_not_a_match():
    ev = Evidence(EvidenceKind.HOSTNAME, b"hik-connect.com.evil.example")
    assert cloud_states(DATA, ev) == []


def test_duplicate_signal_ids_rejected(tmp_path):
    svc = (
        "  - id: s{n}\n    name: S\n    vendor: V\n    domains: [s{n}.example]\n    source: x\n"
        "    signals:\n      - {{id: dup, kind: sadp, field: f, match: x, state: enabled, source: y}}\n"
        "    examples: [{{kind: hostname, data: s{n}.example, expect: observed}}]\n"
    )
    path = tmp_path / "clouds.yaml"
    path.write_text("clouds:\n" + svc.format(n=1) + svc.format(n=2) + "default_certificates: []\n")
    with pytest.raises(KnowledgeBaseError, match="used twice"):
        load_clouds_from(path)


KINDS = [
    EvidenceKind.HOSTNAME,
    EvidenceKind.SADP,
    EvidenceKind.ISAPI,
    EvidenceKind.DAHUA_CGI,
    EvidenceKind.TLS,
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(KINDS), st.binary(max_size=4096))
def test_hostile_bytes_never_raise(kind, payload):
    ev = Evidence(kind, payload)
    cloud_states(DATA, ev)
    default_certificate(DATA, ev)


def test_big_isapi_document_is_bounded():
    # a huge document with the EZVIZ tag far from its <enabled>: no match, and fast
    doc = "<EZVIZ>" + "<x>y</x>" * 200_000 + "<enabled>true</enabled></EZVIZ>"
    ev = Evidence(EvidenceKind.ISAPI, doc.encode())
    assert cloud_states(DATA, ev) == []
