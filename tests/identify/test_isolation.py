"""Isolation boundaries in identification (issue 16): bad bytes cost only their own evidence."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.identify import extract as extract_module
from camaudit.identify.extract import extract
from camaudit.identify.extract.decoding import decode_payload, strip_encoding_declaration
from camaudit.identify.extract.der import read_names
from camaudit.models import Evidence, EvidenceKind

HIK_SERVER = Evidence(
    EvidenceKind.HTTP, b"HTTP/1.1 401 Unauthorized\r\nServer: Hikvision-Webs\r\n\r\n"
)
HIK_ISAPI = Evidence(
    EvidenceKind.ISAPI,
    b"<DeviceInfo><manufacturer>Hikvision</manufacturer><model>DS-2CD2143G2-I</model></DeviceInfo>",
)


@pytest.fixture(scope="module")
def ident() -> Identifier:
    return Identifier()


def _cert_der(org: str, version_byte: int | None = None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "IPC"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    if version_byte is not None:
        at = der.find(bytes([0xA0, 0x03, 0x02, 0x01, 0x02]))
        der[at + 4] = version_byte
    return bytes(der)


def test_unknown_xml_encoding_is_read_as_utf8_with_a_note(ident: Identifier) -> None:
    doc = (
        b'<?xml version="1.0" encoding="UTF-1F-8"?><DeviceInfo><model><![CDATA[x]]></model>'
        b"<manufacturer>Hikvision</manufacturer></DeviceInfo>"
    )
    result = ident.identify([Evidence(EvidenceKind.ISAPI, doc)])
    assert result.manufacturer == "Hikvision"
    assert any("not an allowed XML encoding" in n for n in result.notes)


def test_cdata_only_document_with_unknown_encoding_does_not_raise(ident: Identifier) -> None:
    doc = b'<?xml version="1.0" encoding="UTF-1F-8"?><DeviceInfo><model><![CDATA[x]]></model></DeviceInfo>'
    fields = extract(Evidence(EvidenceKind.ISAPI, doc))
    assert fields.get("model") == ["x"]


def test_allowed_encodings_and_boms() -> None:
    text, note = decode_payload(
        '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'.encode("latin-1")
    )
    assert "é" in text and note is None
    text, note = decode_payload("<a>x</a>".encode("utf-16"))
    assert text.startswith("<a>x") and note is None
    assert "encoding" not in strip_encoding_declaration('<?xml version="1.0" encoding="x"?><a/>')


def test_certificate_with_invalid_version_keeps_its_names(ident: Identifier) -> None:
    pem = ssl.DER_cert_to_PEM_cert(_cert_der("Hikvision", version_byte=5)).encode()
    result = ident.identify([Evidence(EvidenceKind.TLS, pem)])
    assert result.manufacturer == "Hikvision"
    assert any("read tolerantly" in n for n in result.notes)


def test_truncated_certificate_still_yields_issuer() -> None:
    der = _cert_der("Dahua")
    names = read_names(der[:120])
    assert names is not None
    _, issuer = names
    assert ("o", "Dahua") in issuer


@given(st.binary(max_size=600))
def test_der_reader_never_raises(data: bytes) -> None:
    read_names(data)
    read_names(b"\x30\x82\xff\xff\x30\x84" + data)


def test_a_failing_extractor_costs_only_its_evidence(
    ident: Identifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, wanted: object = None) -> object:
        raise LookupError("planted")

    monkeypatch.setitem(extract_module._EXTRACTORS, EvidenceKind.ISAPI, broken)
    result = ident.identify([HIK_ISAPI, HIK_SERVER])
    assert result.manufacturer == "Hikvision"
    assert any("isapi extractor failed (LookupError)" in n for n in result.notes)


_ERRORS = st.sampled_from(
    [ValueError, LookupError, KeyError, IndexError, TypeError, RuntimeError, ZeroDivisionError]
)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(
        [k for k in EvidenceKind if k not in (EvidenceKind.HTTP, EvidenceKind.MAC)]
    ),
    error=_ERRORS,
    where=st.sampled_from(["extract", "rules"]),
)
def test_injected_failures_never_change_what_other_evidence_yields(
    kind: EvidenceKind, error: type[Exception], where: str
) -> None:
    """Any exception in one evidence's extractor or rule matching leaves the identity the device's
    other evidence gives exactly as it is without that evidence."""
    ident = _shared_identifier()
    others = [HIK_SERVER, Evidence(EvidenceKind.MAC, b"c4:2f:90:01:02:03")]
    baseline = ident.identify(others)
    victim = Evidence(kind, b"<Manufacturer>Dahua</Manufacturer> Server: DH-IPC model=IPC-HDW")
    original_extract = extract_module._EXTRACTORS[kind]
    original_match = ident.rules.match

    def boom(*args: object, **kwargs: object) -> object:
        raise error("planted")

    def match(kind_name: str, fields: object, only: str | None = None) -> object:
        if kind_name == kind.value:
            raise error("planted")
        return original_match(kind_name, fields, only=only)  # type: ignore[arg-type]

    try:
        if where == "extract":
            extract_module._EXTRACTORS[kind] = boom  # type: ignore[assignment]
        else:
            ident.rules.match = match  # type: ignore[method-assign,assignment]
        got = ident.identify([others[0], victim, others[1]])
    finally:
        extract_module._EXTRACTORS[kind] = original_extract
        ident.rules.match = original_match  # type: ignore[method-assign]
    mine = {e.sha256 for e in others}
    assert {(e.rule, e.sha256) for e in got.evidence if e.sha256 in mine} == {
        (e.rule, e.sha256) for e in baseline.evidence
    }
    if where == "rules":  # the victim contributed nothing at all
        assert (got.manufacturer, got.brand, got.model, got.confidence) == (
            baseline.manufacturer,
            baseline.brand,
            baseline.model,
            baseline.confidence,
        )
    else:  # only its raw text could still speak, and only for itself
        assert got.manufacturer == baseline.manufacturer or any(
            e.sha256 == victim.sha256 for e in got.evidence
        )


_IDENT: list[Identifier] = []


def _shared_identifier() -> Identifier:
    if not _IDENT:
        _IDENT.append(Identifier())
    return _IDENT[0]
