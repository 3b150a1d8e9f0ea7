"""nmap's service fingerprints and NSE script output turned into evidence: small hand-written
``servicefp`` strings and ``<script>`` elements, one per script the importer reads, and a property
test that the fingerprint decoder never raises."""

from __future__ import annotations

import json
from pathlib import Path

import defusedxml.ElementTree as safe_et
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.importers import NmapImporter
from camaudit.importers.nmap_scripts import (
    broadcast_items,
    script_items,
    servicefp_items,
    servicefp_responses,
    unwrap_servicefp,
)
from camaudit.models import Evidence, EvidenceKind


def _script(xml: str):  # type: ignore[no-untyped-def]
    return safe_et.fromstring(xml)


# ------------------------------------------------------------------------- servicefp decoding


def test_every_escape_is_undone() -> None:
    fp = r'SF-Port9-TCP:V=7.93%I=7%r(NULL,C,"\x00\0\r\n\t\\\"\.\x7fA\xff")'
    assert list(servicefp_responses(fp)) == [("NULL", b'\x00\x00\r\n\t\\".\x7fA\xff')]


def test_wrapped_lines_are_joined_at_their_sf_prefix_only() -> None:
    wrapped = (
        'SF-Port81-TCP:V=7.94%I=7%D=1/2%Time=1%P=x86_64%r(GetRequest,1C,"HTTP/1\\.0\\x20\n'
        'SF:200\\x20OK\\r\\nX-SF:\\x201\\r\\n\\r\\n")\n'
        'SF:%r(HTTPOptions,2,"ok");'
    )
    expected = [("GetRequest", b"HTTP/1.0 200 OK\r\nX-SF: 1\r\n\r\n"), ("HTTPOptions", b"ok")]
    assert list(servicefp_responses(wrapped)) == expected
    # an XML reader that normalised the newlines to spaces gives the same bytes
    assert list(servicefp_responses(wrapped.replace("\n", " "))) == expected
    assert unwrap_servicefp("SF-Port1-TCP:a\nSF:b\nSF:c") == "SF-Port1-TCP:abc"


def test_a_fingerprint_cut_inside_the_last_reply_keeps_what_it_has() -> None:
    fp = 'SF-Port80-TCP:V=7.93%r(GetRequest,5A4,"HTTP/1\\.1\\x20200\\x20OK\\r\\n\\r\\n<html><ti'
    assert list(servicefp_responses(fp)) == [("GetRequest", b"HTTP/1.1 200 OK\r\n\r\n<html><ti")]


def test_replies_become_evidence_of_the_kind_their_bytes_are() -> None:
    fp = (
        'SF-Port554-TCP:V=7.93%r(GetRequest,2A,"HTTP/1\\.1\\x20400\\x20Bad\\x20Request\\r\\n\\r\\n")'
        '%r(RTSPRequest,30,"RTSP/1\\.0\\x20200\\x20OK\\r\\nCSeq:\\x201\\r\\nPublic:\\x20OPTIONS\\r\\n\\r\\n")'
        '%r(NULL,10,"\\xff\\xfb\\x01\\r\\ncam01\\x20login:\\x20")'
        '%r(HTTPOptions,2A,"HTTP/1\\.1\\x20400\\x20Bad\\x20Request\\r\\n\\r\\n")'
        '%r(GenericLines,4,"\\r\\n\\r\\n")'
    )
    items = list(servicefp_items(fp))
    assert [(kind, detail) for kind, _, detail in items] == [
        (EvidenceKind.HTTP, "servicefp GetRequest"),
        (EvidenceKind.RTSP, "servicefp RTSPRequest"),
        (EvidenceKind.BANNER, "servicefp NULL"),
    ]  # the repeated 400 and the whitespace-only reply are not new observations
    assert items[2][1] == b"\xff\xfb\x01\r\ncam01 login: "


_FP_TOKENS = st.sampled_from(
    [
        "r(",
        "GetRequest",
        "NULL",
        ",",
        "5A4",
        "FFFFFF",
        '"',
        "\\",
        "\\x",
        "\\x4",
        "\\xZZ",
        "\\0",
        "\\.",
        ")",
        "%",
        "SF:",
        "SF-Port80-TCP:V=7.93",
        "\n",
        " ",
        "HTTP/1\\.1",
        "\x00",
        "é",
        "\ud7ff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), st.lists(_FP_TOKENS, max_size=60).map("".join)))
def test_the_servicefp_decoder_never_raises(text: str) -> None:
    for probe, response in servicefp_responses(text):
        assert isinstance(probe, str) and isinstance(response, bytes)
    for kind, payload, _ in servicefp_items(text):
        assert isinstance(kind, EvidenceKind) and payload.strip()


# ------------------------------------------------------------------------------- NSE scripts


def test_http_title_is_a_title_fragment() -> None:
    script = _script(
        '<script id="http-title" output="Cam &lt;A&gt;"><elem key="title">Cam &lt;A&gt;</elem>'
        "</script>"
    )
    assert list(script_items(script)) == [
        (EvidenceKind.HTTP, b"<title>Cam &lt;A&gt;</title>", "http-title")
    ]
    empty = _script(
        '<script id="http-title" output="Site doesn&apos;t have a title (text/html).">'
        '<elem key="title"></elem></script>'
    )
    assert list(script_items(empty)) == []


def test_http_server_header_is_a_server_line() -> None:
    with_elems = _script(
        '<script id="http-server-header" output="uc-httpd 1.0.0"><elem>uc-httpd 1.0.0</elem>'
        "<elem>uc-httpd 1.0.0</elem></script>"
    )
    assert list(script_items(with_elems)) == [
        (EvidenceKind.HTTP, b"Server: uc-httpd 1.0.0", "http-server-header")
    ]
    text_only = _script('<script id="http-server-header" output="Boa/0.94.14rc21&#xa;x"/>')
    assert [p for _, p, _ in script_items(text_only)] == [b"Server: Boa/0.94.14rc21"]


def test_rtsp_methods_is_a_public_line() -> None:
    script = _script('<script id="rtsp-methods" output="OPTIONS, DESCRIBE,&#xa;  PLAY"/>')
    assert list(script_items(script)) == [
        (EvidenceKind.RTSP, b"Public: OPTIONS, DESCRIBE, PLAY", "rtsp-methods")
    ]


def test_ssl_cert_keeps_the_pem_else_subject_and_issuer() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXk=\n-----END CERTIFICATE-----"
    with_pem = _script(
        f'<script id="ssl-cert" output="Subject: commonName=a"><elem key="pem">{pem}\n</elem>'
        "</script>"
    )
    assert list(script_items(with_pem)) == [(EvidenceKind.TLS, pem.encode(), "ssl-cert")]
    names = _script(
        '<script id="ssl-cert" output="Subject: commonName=cam.example">'
        '<table key="subject"><elem key="commonName">cam.example</elem>'
        '<elem key="organizationName">Example Vision, Ltd</elem></table>'
        '<table key="issuer"><elem key="commonName">Example CA</elem></table></script>'
    )
    ((kind, payload, _),) = script_items(names)
    assert kind is EvidenceKind.TLS
    assert payload == b"subject: CN=cam.example, O=Example Vision\\, Ltd\nissuer: CN=Example CA"


def test_upnp_info_becomes_a_description_document() -> None:
    script = _script(
        '<script id="upnp-info" output="&#xa;Linux/4.9, UPnP/1.0&#xa;  Location: http://192.0.2.9/d.xml'
        "&#xa;    Manufacturer: Example Vision&#xa;    Model Name: EV-100&#xa;"
        '    Serial Number: X1&#xa;"/>'
    )
    ((kind, payload, detail),) = script_items(script)
    assert (kind, detail) == (EvidenceKind.UPNP, "upnp-info")
    assert payload == (
        b"<root><device><manufacturer>Example Vision</manufacturer><modelName>EV-100</modelName>"
        b"<serialNumber>X1</serialNumber></device></root>"
    )


def test_broadcast_scripts_give_one_item_per_listed_device() -> None:
    upnp = _script(
        '<script id="broadcast-upnp-info" output="&#xa;  192.0.2.10&#xa;      Server: Linux&#xa;'
        "      Manufacturer: Example Vision&#xa;  192.0.2.11&#xa;      Model Name: EV-2&#xa;"
        '  192.0.2.12&#xa;      Location: http://192.0.2.12/x.xml&#xa;"/>'
    )
    found = list(broadcast_items(upnp))
    assert [(ip, item[0]) for ip, item in found] == [
        ("192.0.2.10", EvidenceKind.UPNP),
        ("192.0.2.11", EvidenceKind.UPNP),
    ]  # the third listed nothing the description document holds
    assert b"<manufacturer>Example Vision</manufacturer>" in found[0][1][1]
    wsdd = _script(
        '<script id="broadcast-wsdd-discover" output="&#xa;  Devices&#xa;    192.0.2.20&#xa;'
        "        Address: http://192.0.2.20/onvif/device_service&#xa;"
        '        Type: Device dn:NetworkVideoTransmitter&#xa;"/>'
    )
    ((ip, (kind, payload, detail)),) = broadcast_items(wsdd)
    assert (ip, kind, detail) == (
        "192.0.2.20",
        EvidenceKind.WSD_PROBEMATCH,
        "broadcast-wsdd-discover",
    )
    assert payload == (
        b"<d:ProbeMatch><d:XAddrs>http://192.0.2.20/onvif/device_service</d:XAddrs>"
        b"<d:Types>Device dn:NetworkVideoTransmitter</d:Types></d:ProbeMatch>"
    )


def test_unknown_scripts_give_nothing() -> None:
    assert list(script_items(_script('<script id="ssh-hostkey" output="2048 aa:bb (RSA)"/>'))) == []


# ------------------------------------------------------------------- whole hosts, identified

_HOSTS = """<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sV --version-light -oX x.xml" start="1733500000">
<host starttime="1733500001"><address addr="192.0.2.30" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="80"><state state="open"/><service name="http" method="table" conf="3"
 servicefp="SF-Port80-TCP:V=7.93%I=2%D=12/6%Time=1%P=x86_64%r(GetRequest,C8,&quot;HTTP/1\\.1\\x20200\\x20OK\\r\\nCONNECTION:\\x20close\\r\\nP3P:\\x20CP=CAO\\x20PSA\\x20OUR\\r\\nX-Frame-Options:\\x20SAMEORIGIN\\r\\nCONTENT-TYPE:\\x20text/html\\r\\n\\r\\n&lt;html&gt;&lt;head&gt;&lt;title&gt;WEB&lt;/title&gt;&lt;link\\x20href=\\&quot;/css/a\\.css\\?version=@WebVersion@\\&quot;&gt;&lt;/head&gt;&lt;body&gt;&lt;div\\x20class=\\&quot;ui-dialog-content\\&quot;&gt;&lt;lab&quot;);"/></port>
</ports></host>
<host starttime="1733500002"><address addr="192.0.2.31" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="uc-httpd" version="1.0.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:xiongmai_technologies:uc-httpd:1.0.0</cpe></service></port>
<port protocol="tcp" portid="8899"><state state="open"/><service name="soap" product="gSOAP" version="2.8" method="probed" conf="10"><cpe>cpe:/a:genivia:gsoap:2.8</cpe></service></port>
</ports></host>
<host starttime="1733500003"><address addr="192.0.2.32" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="80"><state state="open"/><service name="http" method="table" conf="3"
 servicefp="SF-Port80-TCP:V=7.93%r(GetRequest,6A,&quot;HTTP/1\\.0\\x20401\\x20Unauthorized\\r\\nWWW-Authenticate:\\x20Digest\\x20realm=\\&quot;Use\\x20'live'\\x20as\\x20User\\x20Name\\x20in\\x20order\\x20to\\x20log\\x20in\\x20to\\x20the\\x20respective\\x20level\\&quot;,nonce=\\&quot;0a1b\\&quot;\\r\\n\\r\\n&quot;)"/></port>
<port protocol="tcp" portid="23"><state state="open"/><service name="telnet" product="Example printer telnetd" devicetype="printer" method="probed" conf="10"/></port>
</ports></host>
<host starttime="1733500004"><address addr="192.0.2.33" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="80"><state state="open"/><service name="http" method="table" conf="3"
 servicefp="SF-Port80-TCP:V=7.93%r(GetRequest,5E,&quot;HTTP/1\\.1\\x20302\\x20Found\\r\\nLocation:\\x20/wmf/index\\.html\\r\\nContent-Length:\\x200\\r\\n\\r\\n&quot;)%r(HTTPOptions,1E,&quot;HTTP/1\\.1\\x20404\\x20Not\\x20Found\\r\\n\\r\\n&quot;)"/></port>
</ports></host>
</nmaprun>
"""


def test_fingerprints_and_claims_of_whole_hosts_name_their_makers(
    tmp_path: Path, identifier: Identifier
) -> None:
    path = tmp_path / "scan.xml"
    path.write_text(_HOSTS, encoding="utf-8")
    evidence = list(NmapImporter().read(path))
    by_ip: dict[str, list] = {}  # type: ignore[type-arg]
    for e in evidence:
        by_ip.setdefault(e.ip or "", []).append(e)
    makers = {ip: identifier.identify(evs).manufacturer for ip, evs in by_ip.items()}
    assert makers == {
        "192.0.2.30": "Dahua",  # newer Dahua index, cut by nmap inside the page
        "192.0.2.31": "Xiongmai",  # nmap's CPE for the web server
        "192.0.2.32": "Bosch",  # the realm in an unrecognised reply
        "192.0.2.33": "Hanwha Vision",  # the web root redirect
    }
    claims = [json.loads(e.payload) for e in by_ip["192.0.2.31"]]
    assert claims[0] == {
        "description": "uc-httpd 1.0.0",
        "claimed_by": "nmap -sV",
        "cpe": "cpe:/a:xiongmai_technologies:uc-httpd:1.0.0",
        "claimed os": "Linux",
    }
    (page,) = by_ip["192.0.2.30"]
    assert page.kind is EvidenceKind.HTTP and page.payload.endswith(b'ui-dialog-content"><lab')
    assert page.source == "import:nmap scan.xml:host 1 tcp/80 servicefp GetRequest"


def test_headers_repeated_in_every_reply_are_one_observation(identifier: Identifier) -> None:
    def reply(probe: str, status: str, extra: str = "") -> str:
        text = f"HTTP/1.1 {status}\r\nServer: Webs\r\nDate: {probe}\r\n{extra}\r\n"
        escaped = "".join(c if c.isalnum() or c in "/.:" else f"\\x{ord(c):02x}" for c in text)
        return f'%r({probe},{len(text):X},"{escaped}")'

    fp = "SF-Port80-TCP:V=7.93" + "".join(
        [
            reply("GetRequest", "200 OK", "Content-Length: 0\r\n"),
            reply("HTTPOptions", "405 Method Not Allowed"),
            reply("FourOhFourRequest", "404 Not Found", "X-Frame-Options: DENY\r\n"),
            reply("RTSPRequest", "400 Bad Request"),
        ]
    )
    items = list(servicefp_items(fp))
    assert [p for _, p, _ in items] == [
        b"HTTP/1.1 200 OK\r\nServer: Webs\r\nDate: GetRequest\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nX-Frame-Options: DENY\r\n\r\n",
    ]
    # a bare "Webs" is a hint only; four replies saying it are still one hint, not a maker
    evidence = [Evidence(kind, payload) for kind, payload, _ in items]
    assert identifier.identify(evidence).manufacturer is None
