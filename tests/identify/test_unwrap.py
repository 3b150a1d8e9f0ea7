"""Replies inside the presentation that showed them (curl -v, nmap, Markdown, reprs, HTML)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.identify.extract.unwrap import embedded, presented, unwrap
from camaudit.models import Evidence, EvidenceKind

REPLY = (
    "HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\n"
    'WWW-Authenticate: Digest realm="IP Camera(12345)", nonce="abc", qop="auth"\r\n\r\n'
)


def _maker(kind: EvidenceKind, text: str) -> str | None:
    return Identifier().identify([Evidence(kind, text.encode())]).manufacturer


def test_plain_replies_are_read_as_they_are() -> None:
    assert unwrap(REPLY) is None
    assert presented(Evidence(EvidenceKind.HTTP, REPLY.encode())) is None
    assert unwrap("<?xml version='1.0'?>\n<a>\n  <b>x</b>\n</a>") is None


def test_curl_verbose_keeps_the_response_lines_and_body() -> None:
    shown = (
        "* Trying 192.0.2.1...\n> GET / HTTP/1.1\n> Host: x\n>\n"
        + "".join(f"< {line}\n" for line in REPLY.split("\r\n")[:-2])
        + "<\n<html>body</html>\n"
    )
    plain, how = unwrap(shown) or ("", "")
    assert how == "line prefixes"
    assert plain.startswith("HTTP/1.1 401") and "Host:" not in plain and "<html>" in plain


def test_each_presentation_keeps_the_maker() -> None:
    lines = REPLY.split("\r\n")
    shown = {
        "nmap": "\n".join(["| " + ln for ln in lines[:-1]] + ["|_"]),
        "indented": "\n".join("    " + ln for ln in lines),
        "bytes repr": repr(REPLY.encode()),
        "dissector": REPLY.replace("\r\n", "\\r\\n\n"),
        "html": REPLY.replace('"', "&quot;").replace("<", "&lt;") + "&lt;br&gt;",
    }
    assert _maker(EvidenceKind.HTTP, REPLY) == "Hikvision"
    for name, text in shown.items():
        assert _maker(EvidenceKind.HTTP, text) == "Hikvision", name


def test_replies_in_json_strings_are_read_with_the_documents_own_hash() -> None:
    doc = json.dumps({"host": "192.0.2.1", "result": {"response": REPLY}})
    assert embedded(doc) == [REPLY]
    ev = Evidence(EvidenceKind.HTTP, doc.encode())
    identity = Identifier().identify([ev])
    assert identity.manufacturer == "Hikvision"
    assert {r.sha256 for r in identity.evidence} == {ev.sha256}


def test_a_json_document_encoded_again_as_a_string_is_read() -> None:
    inner = json.dumps({"deviceInfo": {"manufacturer": "Dahua", "model": "IPC-HFW2431S-S-S2"}})
    doc = json.dumps({"host": "192.0.2.1", "body": inner})
    assert embedded(doc) == [inner]
    assert _maker(EvidenceKind.HTTP, doc) == "Dahua"
    # Cut short inside the outer string, it is still read up to its break.
    cut = json.dumps({"body": inner[:-10]})
    assert embedded(cut) == [inner[:-10]]


def test_a_challenge_line_kept_in_a_json_string_is_read() -> None:
    line = 'WWW-Authenticate: Digest realm="IP Camera(GH455)", nonce="abc"'
    doc = json.dumps({"host": "192.0.2.1", "response": line})
    assert embedded(doc) == [line]
    assert _maker(EvidenceKind.HTTP, doc) == "Hikvision"


def test_a_printout_with_html_escaped_quotes_is_read() -> None:
    printout = "{'Manufacturer': 'Dahua', 'Model': 'IPC-HFW2431S-S-S2'}"
    for entity in ("&#x27;", "&#39;"):
        assert _maker(EvidenceKind.HTTP, printout.replace("'", entity)) == "Dahua", entity


def test_notes_say_how_the_evidence_was_read() -> None:
    ev = Evidence(EvidenceKind.HTTP, repr(REPLY.encode()).encode())
    notes = Identifier().identify([ev]).notes
    assert any("read as escaped line breaks" in n for n in notes)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>|& \t\n\\rnb'\"{}[]:;x0aA")), max_size=300))
def test_unwrapping_never_raises(text: str) -> None:
    unwrap(text)
    embedded(text)
    presented(Evidence(EvidenceKind.BANNER, text.encode("utf-8", "surrogatepass")))


def test_a_short_reply_under_a_payload_key_is_read() -> None:
    # Scanners keep a service's answer under "banner"/"data"/"response" however short.
    for key in ("banner", "data", "response"):
        doc = json.dumps({"ip": "192.0.2.7", "port": 554, key: "Dahua Rtsp Server"})
        assert embedded(doc) == ["Dahua Rtsp Server"], key
        assert _maker(EvidenceKind.RTSP, doc) == "Dahua", key
    # Under any other key a one-line value is the document's own field, not a reply.
    assert embedded(json.dumps({"ip": "192.0.2.7", "note": "Dahua Rtsp Server"})) == []
    # Too short to be anything.
    assert embedded(json.dumps({"data": "ok"})) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["banner", "data", "response", "ip", "x"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(_JSON)
def test_embedded_replies_of_any_json_document_are_its_strings(doc) -> None:
    text = json.dumps(doc)
    found = embedded(text)
    assert len(found) <= 8
    assert all(isinstance(s, str) and s.strip() for s in found)
    presented(Evidence(EvidenceKind.HTTP, text.encode()))
