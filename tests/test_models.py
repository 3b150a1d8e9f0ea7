"""The data model's own serialisation: Identity.to_json equals json.dumps of to_dict."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from camaudit.models import DeviceType, EvidenceRef, Identity, Restriction

_text = st.text(max_size=40)
_opt = st.none() | _text
_refs = st.builds(EvidenceRef, _text, _text, _text, _text, _text, _opt)
_identities = st.builds(
    Identity,
    manufacturer=_opt,
    brand=_opt,
    model=_opt,
    firmware=_opt,
    device_type=st.sampled_from(list(DeviceType)),
    confidence=st.floats(min_value=0.0, max_value=1.0),
    serial=_opt,
    mac=_opt,
    evidence=st.lists(_refs, max_size=4),
    restricted=st.lists(st.builds(Restriction, _text, _text), max_size=3),
    notes=st.lists(_text, max_size=3),
)


@given(_identities)
def test_to_json_is_json_dumps_of_to_dict(identity: Identity) -> None:
    assert identity.to_json() == json.dumps(identity.to_dict(), ensure_ascii=False)


def test_to_json_of_an_empty_identity_and_awkward_text() -> None:
    assert Identity().to_json() == json.dumps(Identity().to_dict(), ensure_ascii=False)
    odd = Identity(manufacturer='a"b\\c\n\x00\u2028é', notes=["\ud800"[:0] + "tab\t"])
    assert odd.to_json() == json.dumps(odd.to_dict(), ensure_ascii=False)
    assert json.loads(odd.to_json())["manufacturer"] == odd.manufacturer


def test_evidence_sha256_is_computed_once_and_follows_replace():
    import hashlib
    from dataclasses import replace

    from camaudit.models import Evidence, EvidenceKind

    ev = Evidence(EvidenceKind.HTTP, b"abc")
    assert ev.sha256 == ev.sha256 == hashlib.sha256(b"abc").hexdigest()
    other = replace(ev, payload=b"xyz")
    assert other.sha256 == hashlib.sha256(b"xyz").hexdigest()
    assert ev == Evidence(EvidenceKind.HTTP, b"abc")
