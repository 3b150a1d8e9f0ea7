"""The exported answer: hash, Ed25519 and HMAC signatures, and their verification."""

from __future__ import annotations

import copy
import json

import pytest

from camaudit.errors import InputError
from camaudit.identify import Identifier
from camaudit.reports.answer_json import (
    build_answer,
    generate_key,
    load_private_key,
    sign_ed25519,
    sign_hmac,
    verify_answer,
)
from camaudit.reports.context import build_report_data
from tests.reports.estate import META, build_estate, build_findings


@pytest.fixture(scope="module")
def doc():
    devices = build_estate(Identifier())
    return build_answer(build_report_data(devices, build_findings(devices), META))


def test_answer_carries_the_counts_and_every_evidence_hash(doc):
    assert doc["format"] == "camaudit-answer/1"
    assert doc["organisation"] == META["org"]
    assert doc["counts"]["devices"] == len(doc["devices"])
    assert doc["restricted"]["devices"] == sum(d["restricted"] for d in doc["devices"])
    assert all(len(h) == 64 for d in doc["devices"] for h in d["evidence"])
    assert doc["answer"].startswith("Yes.")


def test_unsigned_answer_is_hash_only_and_tampering_is_caught(doc):
    assert verify_answer(doc).provenance == "hash-only"
    bad = copy.deepcopy(doc)
    bad["restricted"]["devices"] = 0
    check = verify_answer(bad)
    assert not check.ok and check.provenance == "invalid"


def test_ed25519_signature_and_registered_key(tmp_path, doc):
    public = generate_key(tmp_path / "body.pem")
    other = generate_key(tmp_path / "other.pem")
    signed = sign_ed25519(doc, load_private_key(tmp_path / "body.pem"))
    roundtrip = json.loads(json.dumps(signed))
    assert verify_answer(roundtrip, trusted_key=public).provenance == "signed"
    assert verify_answer(roundtrip).provenance == "signed-key-not-registered"
    assert not verify_answer(roundtrip, trusted_key=other).ok  # signed by someone else
    # re-hashing after an edit does not help: the signature covers the same bytes
    forged = copy.deepcopy(roundtrip)
    forged["counts"]["made_by_vendor"] = 0
    forged = {**forged, "sha256": verify_answer(forged).sha256}
    assert not verify_answer(forged, trusted_key=public).ok


def test_hmac_signature(doc):
    secret = b"0123456789abcdef-shared"
    signed = sign_hmac(doc, secret)
    assert verify_answer(signed, hmac_secret=secret).provenance == "hmac"
    assert not verify_answer(signed, hmac_secret=b"another-secret-of-16+").ok
    assert not verify_answer(signed).ok
    with pytest.raises(InputError):
        sign_hmac(doc, b"short")


def test_keygen_refuses_to_overwrite(tmp_path):
    generate_key(tmp_path / "k.pem")
    assert (tmp_path / "k.pem").stat().st_mode & 0o077 == 0
    with pytest.raises(InputError):
        generate_key(tmp_path / "k.pem")
