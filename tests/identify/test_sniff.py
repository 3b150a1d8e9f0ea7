"""Content sniffing: what the bytes are, whatever the declared kind (and never an exception)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify.extract.sniff import sniff
from camaudit.models import EvidenceKind as K

SOAP = (
    '<?xml version="1.0" encoding="UTF-8"?><env:Envelope '
    'xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body><tds:GetCapabilitiesResponse>'
    "<tds:Capabilities><tt:Device><tt:XAddr>http://192.0.2.1/onvif/device_service</tt:XAddr>"
    "</tt:Device></tds:Capabilities></tds:GetCapabilitiesResponse></env:Body></env:Envelope>"
)


@pytest.mark.parametrize(
    ("text", "kinds", "formats"),
    [
        ("HTTP/1.1 401 Unauthorized\r\nServer: x\r\n\r\n", (K.HTTP,), ()),
        (
            "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nUSN: uuid:x::upnp:rootdevice\r\n\r\n",
            (K.HTTP, K.UPNP),
            (),
        ),
        (
            "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\nv=0\r\ns=Media Server\r\nm=video 0 RTP/AVP 96\r\n",
            (K.RTSP,),
            ("sdp",),
        ),
        (SOAP, (K.ONVIF_DEVINFO,), ("xml",)),
        ("HTTP/1.1 200 OK\r\n\r\n" + SOAP, (K.HTTP, K.ONVIF_DEVINFO), ("xml",)),
        (
            "<tt:ScopeItem>onvif://www.onvif.org/name/X</tt:ScopeItem>",
            (K.WSD_PROBEMATCH,),
            ("xml",),
        ),
        ('{"manufacturer": "X", "model": "Y-1"}', (), ("json", "printout")),
        ("Manufacturer: X\nModel: Y-1\n", (), ("printout",)),
        ("table.General.MachineName=NVR\r\n", (K.DAHUA_CGI,), ("kv",)),
        ("220 FTP server ready", (K.BANNER,), ()),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", (K.TLS,), ()),
        ("<!DOCTYPE html><html><head><title>x</title></head></html>", (), ("html",)),
        ("", (), ()),
    ],
)
def test_sniffed_content(text, kinds, formats):
    got = sniff(text)
    assert got.kinds == kinds
    assert got.formats == formats


def test_der_certificate_seen_in_raw_bytes():
    assert K.TLS in sniff("0\ufffd\x03", b"\x30\x82").kinds


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=3000), head=st.binary(max_size=4))
def test_random_text_never_raises(text, head):
    got = sniff(text, head)
    assert isinstance(got.label, str)


@settings(max_examples=80, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(SOAP)), junk=st.text(max_size=40))
def test_truncated_documents_never_raise(cut, junk):
    sniff(junk + SOAP[:cut])
    sniff(SOAP[cut:] + junk)
