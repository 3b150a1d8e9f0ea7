"""Content first, declared kind second: identification through sniffing, generic fields, weak
signals and free-text model numbers (shipped KB), and no exception on any input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.models import Evidence, EvidenceKind

K = EvidenceKind
DEVINFO = (
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body>'
    "<tds:GetDeviceInformationResponse><tds:Manufacturer>Dahua</tds:Manufacturer>"
    "<tds:Model>IPC-HFW2431S-S-S2</tds:Model><tds:FirmwareVersion>2.800.0000016.0.R, build: "
    "2020-06-05</tds:FirmwareVersion></tds:GetDeviceInformationResponse></env:Body></env:Envelope>"
)


@pytest.fixture(scope="module")
def ident() -> Identifier:
    return Identifier()


# Asset rows are JSON objects of register columns (evidence.py wraps any other text).
@pytest.mark.parametrize("declared", [k for k in EvidenceKind if k is not K.ASSET_ROW])
def test_a_wrong_kind_never_hides_the_maker(ident, declared):
    got = ident.identify([Evidence(declared, DEVINFO.encode())])
    assert got.manufacturer == "Dahua"
    assert got.model == "IPC-HFW2431S-S-S2"


def test_sniffed_refs_keep_declared_kind_and_say_what_was_sniffed(ident):
    got = ident.identify([Evidence(K.BANNER, DEVINFO.encode())])
    assert all(r.kind == "banner" for r in got.evidence)
    assert any(r.field.startswith("onvif_devinfo:") for r in got.evidence)


def test_generic_json_names_maker_and_cites_the_key(ident):
    data = b'{"result": {"manufacturer_name": "Hikvision", "device_model": "DS-2CD2143G2-I"}}'
    got = ident.identify([Evidence(K.DHCP, data)])
    assert got.manufacturer == "Hikvision"
    assert got.model == "DS-2CD2143G2-I"
    assert any("manufacturer_name" in r.field for r in got.evidence)


def test_one_weak_signal_alone_does_not_claim_a_restricted_maker(ident):
    data = b"<tt:Uri>rtsp://192.0.2.1:554/Streaming/Channels/101</tt:Uri>"
    got = ident.identify([Evidence(K.HTTP, data)])
    assert got.manufacturer is None
    assert "Hikvision" in " ".join(got.notes)


def test_weak_signals_add_up(ident):
    data = (
        b"<tt:Uri>rtsp://192.168.1.64:554/Streaming/Channels/101</tt:Uri>"
        b"<tt:Uri>http://192.168.1.64/ISAPI/Streaming/channels/101/picture</tt:Uri>"
    )
    got = ident.identify([Evidence(K.HTTP, data)])
    assert got.manufacturer == "Hikvision"
    rules = {r.rule for r in got.evidence}
    assert {"signal.path.hikvision-streaming-channels", "signal.path.hikvision-isapi"} <= rules


def test_model_number_in_a_title(ident):
    data = b"HTTP/1.1 200 OK\r\n\r\n<html><head><title>DS-7608NI-K2 login</title></head></html>"
    got = ident.identify([Evidence(K.HTTP, data)])
    assert got.manufacturer == "Hikvision"
    assert any(r.rule == "grammar:free-text" for r in got.evidence)


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("Car park dome: FLEXIDOME IP 3000i IR", "Bosch"),
        ("the G4 Bullet by the gate went offline", "Ubiquiti"),
    ],
)
def test_a_model_name_of_several_words_in_free_text(ident, text, maker):
    got = ident.identify([Evidence(K.ASSET_ROW, f'{{"description": "{text}"}}'.encode())])
    assert got.manufacturer == maker


@pytest.mark.parametrize(
    "text", ["Welcome to the AI 360 tour", "Duo 2 factor login", "Login to 4F3A2B1C9D0E"]
)
def test_words_without_a_code_are_not_a_spaced_model(ident, text):
    got = ident.identify([Evidence(K.BANNER, text.encode())])
    assert got.model is None
    assert got.manufacturer is None


@pytest.mark.parametrize("text", ["HTTP/1.1 200 OK", "RTSP/1.0 H.264 stream", "ISO-8859-1 page"])
def test_common_tokens_are_not_models(ident, text):
    got = ident.identify([Evidence(K.BANNER, text.encode())])
    assert got.model is None
    assert got.manufacturer is None


def test_identical_facts_from_sniffed_kinds_are_not_counted_twice(ident):
    plain = ident.identify([Evidence(K.ONVIF_DEVINFO, DEVINFO.encode())])
    wrapped = ident.identify(
        [
            Evidence(
                K.HTTP,
                b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\n\r\n" + DEVINFO.encode(),
            )
        ]
    )
    assert wrapped.manufacturer == plain.manufacturer == "Dahua"
    assert wrapped.confidence <= plain.confidence + 0.01


SAMPLES = [
    DEVINFO,
    "RTSP/1.0 200 OK\r\nContent-Base: rtsp://x/cam/realmonitor?channel=1&subtype=0/\r\n\r\nv=0\r\ns=Media Server\r\na=packetization-supported:DH\r\n",
    "{'Manufacturer': 'HIKVISION', 'Model': 'DS-2CD2043G0-I', 'MACAddress': '44:19:b6:01:02:03'}",
    '{"Manufacturer": "Axis", "params": [{"name": "Model", "value": "M3106-L"}]}',
    "Manufacturer: Bosch\nModel: NBN-832V-IP\nMAC: 00-07-5f-01-02-03\n",
]


@settings(max_examples=120, deadline=None)
@given(
    kind=st.sampled_from(list(EvidenceKind)),
    sample=st.sampled_from(SAMPLES),
    cut=st.integers(min_value=0, max_value=400),
    junk=st.text(max_size=40),
)
def test_truncated_mis_kinded_input_never_raises(ident, kind, sample, cut, junk):
    ident.identify([Evidence(kind, (sample[:cut] + junk).encode("utf-8", "surrogatepass"))])
    ident.identify([Evidence(kind, (junk + sample[cut:]).encode("utf-8", "surrogatepass"))])


@settings(max_examples=120, deadline=None)
@given(kind=st.sampled_from(list(EvidenceKind)), data=st.binary(max_size=2048))
def test_random_bytes_never_raise(ident, kind, data):
    ident.identify([Evidence(kind, data)])


def test_python2_repr_printout_names_the_label(ident):
    data = b"{u'session': u'9f', u'params': {u'Vendor': u'EZIP'}, u'result': True, u'id': 8}"
    got = ident.identify([Evidence(K.HTTP, data)])
    assert (got.manufacturer, got.brand) == ("Dahua", "EZ-IP")


@pytest.mark.parametrize(
    ("data", "maker"),
    [
        (b"(hardware='X1', b='jovision', name='HD%20IPC')", "Jovision"),
        (b'{"info": {"oem": 1, "tag": "DoorBird"}}', "DoorBird"),
    ],
)
def test_a_value_that_is_exactly_a_kb_name_names_the_maker(ident, data, maker):
    got = ident.identify([Evidence(K.HTTP, data)])
    assert got.manufacturer == maker
    assert any(r.rule == "names:exact-value" for r in got.evidence)


@pytest.mark.parametrize("word", ["camera", "outdoor", "Streaming", "admin"])
def test_ordinary_word_values_name_nobody(ident, word):
    data = f'{{"tag": "{word}", "zone": "{word}"}}'.encode()
    assert ident.identify([Evidence(K.HTTP, data)]).manufacturer is None


def test_server_value_of_a_json_header_dump_is_read_as_text(ident):
    data = b'{"SERVER": "Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK"}'
    assert ident.identify([Evidence(K.UPNP, data)]).manufacturer == "Dahua"


def test_a_strong_model_grammar_names_the_maker_from_any_field(ident):
    data = b'{"result": {"hardware": "IPC-HDW1230T1-S5"}}'
    assert ident.identify([Evidence(K.HTTP, data)]).manufacturer == "Dahua"


def test_a_weak_model_grammar_needs_a_model_column(ident):
    weak = b'{"result": {"code": "IP7133"}}'
    assert ident.identify([Evidence(K.HTTP, weak)]).manufacturer is None
    row = Evidence(K.ASSET_ROW, b'{"model": "IP7133"}')
    assert ident.identify([row]).manufacturer == "Vivotek"


@pytest.mark.parametrize(
    ("page", "maker"),
    [
        ("<table><tr><td>Manufacturer</td><td>Hikvision</td></tr></table>", "Hikvision"),
        ("<dl><dt>Vendor:</dt><dd>Dahua</dd></dl>", "Dahua"),
        ("<div><label>Model</label><span>DS-7608NI-K2</span></div>", "Hikvision"),
    ],
)
def test_label_and_value_cells_of_a_device_page(ident, page, maker):
    data = f"HTTP/1.1 200 OK\r\n\r\n<html><body>{page}</body></html>".encode()
    assert ident.identify([Evidence(K.HTTP, data)]).manufacturer == maker


@pytest.mark.parametrize(
    ("realm", "maker"), [("HikvisionDVR", "Hikvision"), ("Dahua-NVR", "Dahua")]
)
def test_maker_names_run_together_with_other_words(ident, realm, maker):
    data = f'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="{realm}"\r\n\r\n'
    assert ident.identify([Evidence(K.HTTP, data.encode())]).manufacturer == maker


@pytest.mark.parametrize("realm", ["IPCamera", "NetworkVideo", "TaxisFleet", "WebAdmin"])
def test_run_together_ordinary_words_name_nobody(ident, realm):
    data = f'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="{realm}"\r\n\r\n'
    assert ident.identify([Evidence(K.HTTP, data.encode())]).manufacturer is None


@pytest.mark.parametrize(
    ("realm", "maker"), [("b4a38201a73f", "Hikvision"), ("6cf17e812039", "Uniview")]
)
def test_a_realm_that_is_the_devices_mac_is_looked_up(ident, realm, maker):
    data = (
        f'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm="{realm}"\r\n\r\n'
    )
    got = ident.identify([Evidence(K.RTSP, data.encode())])
    assert got.manufacturer == maker
    assert any(r.field == "realm" for r in got.evidence)


@pytest.mark.parametrize(
    ("row", "maker"),
    [
        ({"description": "foscam EH8135 V3"}, "Foscam"),
        ({"model": "VICON-V2005D-W28IR"}, "Vicon"),
        ({"description": "Uniarch bullet, car park"}, "Uniview"),
        ({"description": "Replaced the Foscam unit with an Axis"}, None),
        ({"description": "not Jovision"}, None),
    ],
)
def test_register_prose_and_model_columns_name_kb_makers(ident, row, maker):
    import json

    got = ident.identify([Evidence(K.ASSET_ROW, json.dumps(row).encode())])
    assert got.manufacturer == maker


@pytest.mark.parametrize(
    ("row", "maker"),
    [
        ({"Product": "DS-2CD2143G2-I", "Location": "Car park"}, "Hikvision"),
        ({"Asset Description": "IPC-HFW2431S-S-S2"}, "Dahua"),
        ({"Camera Type": "DS-2CD2143G2-I"}, "Hikvision"),
        ({"Comments": "swapped for an IPC-HFW2431S-S-S2 in 2021"}, "Dahua"),
        ({"Equipment": "Foscam unit by the gate"}, "Foscam"),
        ({"model": "Q3556\u2011LVE"}, "Axis"),  # a spreadsheet's non-breaking hyphen
        # Places, people and suppliers are never read for a maker or a model.
        ({"Installer": "Hikvision Installs Ltd", "Equipment": "dome"}, None),
        ({"Location": "DS-2CD2143G2-I bay"}, None),
    ],
)
def test_register_columns_no_rule_reads_are_read_as_free_text(ident, row, maker):
    import json

    got = ident.identify([Evidence(K.ASSET_ROW, json.dumps(row).encode())])
    assert got.manufacturer == maker


def test_free_text_reads_the_surest_of_its_model_numbers(ident):
    got = ident.identify([Evidence(K.ASSET_ROW, b'{"description": "C6TC (CS-C6TC-1G2WF) cams"}')])
    assert got.model == "CS-C6TC-1G2WF"


@pytest.mark.parametrize(
    "data",
    [
        b'{"type": "UVC G4 Pro", "firmwareVersion": "4.73.8", "state": "CONNECTED"}',
        b'{"firmwareVersion": "4.73.8", "type": "UVC G4 Pro"}',
    ],
)
def test_a_model_number_read_twice_counts_at_its_surest_field(ident, data):
    # The whole JSON is also a free-text fragment (discounted); the `type` value holding the
    # model is a device-type field, and the model counts once, at that field's weight,
    # whatever order the fields were read in.
    got = ident.identify([Evidence(K.HTTP, data)])
    assert got.manufacturer == "Ubiquiti"
    assert any(r.field.startswith("gen.device_type") for r in got.evidence)


@pytest.mark.parametrize(
    ("row", "maker"), [(b"NVR21-S2 Series", "Dahua"), (b"DS-2CD2143G2-I series", "Hikvision")]
)
def test_a_model_number_with_a_series_word_is_still_only_a_model(ident, row, maker):
    # "<code> Series" names a product line and nothing else: read as a model column would be.
    assert ident.identify([Evidence(K.ASSET_ROW, row)]).manufacturer == maker


@pytest.mark.parametrize(
    ("kind", "doc", "maker"),
    [
        (K.HTTP, b'<device manufacturer="Hikvision" model="DS-2CD2143G2-I"/>', "Hikvision"),
        (K.ONVIF_DEVINFO, b'<x:Info Manufacturer="Axis" Model="P1435-LE"/>', "Axis"),
        (K.HTTP, b'<Profile token="Profile_1" name="Dahua" type="IPC"/>', None),
    ],
)
def test_device_fields_in_xml_attributes(ident, kind, doc, maker):
    # Attributes that name the device's own fields count; a name or type attribute does not.
    assert ident.identify([Evidence(kind, doc)]).manufacturer == maker


@pytest.mark.parametrize(("txt", "maker"), [(b"md=DS-2CD2143G2-I", "Hikvision")])
def test_the_model_key_of_an_mdns_txt_record(ident, txt, maker):
    assert ident.identify([Evidence(K.MDNS, txt)]).manufacturer == maker


@pytest.mark.parametrize(
    ("row", "maker"),
    [
        (b'{"Make": "Hik Vision", "Model": "unknown"}', "Hikvision"),
        (b'{"manufacturer": "Hikvison"}', "Hikvision"),
        (b'{"Make": "Dahau", "Site": "Depot"}', "Dahua"),
        (b'{"Make": "Contractor supplied"}', None),
    ],
)
def test_a_maker_column_is_read_as_people_write_it(ident, row, maker):
    # As the register importer reads maker columns (kb/register_spellings.yaml, one edit off a
    # KB name): identify --batch on a raw register row gives what an import would.
    got = ident.identify([Evidence(K.ASSET_ROW, row)])
    assert got.manufacturer == maker
    if maker:
        assert any("read as" in n for n in got.notes)


def test_a_row_an_importer_read_already_is_not_read_again(ident):
    row = b'{"Make": "Hikvison", "read as": "nothing"}'
    assert ident.identify([Evidence(K.ASSET_ROW, row)]).manufacturer is None


def test_a_value_that_is_only_a_model_number_names_the_maker_as_a_model_field(ident):
    # A register line that is just the model (not JSON): read as a model column would be.
    alone = ident.identify([Evidence(K.ASSET_ROW, b"CS-CV248-A0-1C2WFR")])
    assert (alone.manufacturer, alone.brand) == ("Hikvision", "EZVIZ")
    # Among other words the full EZVIZ code (model, hardware and SKU segments) is sure enough to
    # name the maker; the bare CS- + short model stays a free-text hint (below the threshold).
    prose = ident.identify([Evidence(K.ASSET_ROW, b"kit with a CS-CV248-A0-1C2WFR, box opened")])
    assert prose.manufacturer == "Hikvision"
    short = ident.identify([Evidence(K.ASSET_ROW, b"kit with a CS-C6N, box opened")])
    assert short.manufacturer is None


@pytest.mark.parametrize("mac", [b"bc:ba:c2", b"BC-BA-C2-11-22-33", b"bcbac2112233"])
def test_bare_mac_addresses_and_prefixes_are_looked_up(ident, mac):
    assert ident.identify([Evidence(K.MAC, mac)]).manufacturer == "Hikvision"


def test_a_realm_quoted_outside_its_header_meets_the_realm_rules(ident):
    data = b'client sent: Authorization: Digest username="admin", realm="Use \'live\' as User Name"'
    got = ident.identify([Evidence(K.BANNER, data)])
    assert got.manufacturer == "Bosch"


@pytest.mark.parametrize(
    ("row", "maker"),
    [
        ({"description": "3-axis gimbal mount camera"}, None),
        ({"description": "Axis dome, north gate"}, "Axis"),
    ],
)
def test_maker_names_that_are_ordinary_words_need_a_capital(ident, row, maker):
    import json

    got = ident.identify([Evidence(K.ASSET_ROW, json.dumps(row).encode())])
    assert got.manufacturer == maker


def test_an_rtsp_reply_filed_as_http_meets_the_rtsp_rules() -> None:
    from camaudit.identify import Identifier
    from camaudit.models import Evidence, EvidenceKind

    reply = b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nServer: Rtsp Server/3.0\r\n\r\n"
    for kind in (EvidenceKind.RTSP, EvidenceKind.HTTP, EvidenceKind.BANNER):
        assert Identifier().identify([Evidence(kind, reply)]).manufacturer == "Dahua", kind


def test_a_document_filed_as_a_banner_meets_the_http_body_rules() -> None:
    from camaudit.identify import Identifier
    from camaudit.models import Evidence, EvidenceKind

    body = (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n<userCheck>\n<statusValue>401</statusValue>\n'
        b"<statusString>Unauthorized</statusString>\n</userCheck>"
    )
    for kind in (EvidenceKind.HTTP, EvidenceKind.BANNER):
        assert Identifier().identify([Evidence(kind, body)]).manufacturer == "Hikvision", kind


def test_a_bare_value_filed_as_a_banner_meets_the_fragment_rules() -> None:
    from camaudit.identify import Identifier
    from camaudit.models import Evidence, EvidenceKind

    ident = Identifier()
    for kind in (EvidenceKind.HTTP, EvidenceKind.BANNER):
        assert ident.identify([Evidence(kind, b"Hikvision-Webs")]).manufacturer == "Hikvision"
    assert ident.identify([Evidence(EvidenceKind.BANNER, b"nginx/1.18.0")]).manufacturer is None


def test_a_label_alone_in_a_fragment_lets_the_other_kinds_fragment_rules_read_it(ident):
    # "Samsung" names only a label (its Techwin line is Hanwha's); the HTTP title rule knows
    # the page, so a banner of that title still names the maker.
    for kind in (K.HTTP, K.BANNER):
        got = ident.identify([Evidence(kind, b"Web Viewer for Samsung DVR")])
        assert got.manufacturer == "Hanwha Vision", kind


def test_lines_of_plain_text_filed_as_a_response_are_read_as_a_banner(ident):
    walk = b"1.3.6.1.2.1.1.1.0|4|Hikvision company products\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.50001"
    for kind in (K.HTTP, K.RTSP, K.BANNER):
        assert ident.identify([Evidence(kind, walk)]).manufacturer == "Hikvision", kind
    # A JSON body's lines filed as a banner meet the HTTP body rules.
    lines = b'"cmd" : "Unknown",\n"detail" : "please login first",'
    assert ident.identify([Evidence(K.BANNER, lines)]).manufacturer == "Reolink"


def test_a_printed_distinguished_name_is_read_as_a_certificate(ident):
    printed = b"Subject: CN=192.0.2.70, C=CN\nIssuer: CN=Device CA, O=Zhejiang Dahua Technology Co.,Ltd., C=CN"
    for kind in (K.HTTP, K.BANNER, K.TLS):
        assert ident.identify([Evidence(kind, printed)]).manufacturer == "Dahua", kind


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("ENS XVR501H-08-I3 in the plant room", "Dahua"),  # a partial label and its Dahua line
        ("unit XVR501H-08-I3 in the plant room", None),  # the code alone, in prose: a guess
        ("Hikvision XVR501H-08-I3", "Hikvision"),  # another maker's name lifts nothing
    ],
)
def test_a_model_whose_label_is_named_reads_at_its_patterns_weight(ident, text, maker):
    got = ident.identify([Evidence(K.ASSET_ROW, f'{{"description": "{text}"}}'.encode())])
    assert got.manufacturer == maker
    lifted = [r for r in got.evidence if r.rule == "grammar:label-named"]
    assert bool(lifted) == (maker == "Dahua")


@pytest.mark.parametrize(
    ("server", "maker"),
    [
        ("ntopng 5.4.220721 [Debian bullseye/sid [x86_64][Ubuntu 20.04.4 LTS]]", None),
        ("Linux/4.9 20.04LTS", None),
        ("LTS NVR web server", "Hikvision"),  # the label, not a qualifier of a number
    ],
)
def test_a_three_capital_name_after_a_number_is_a_qualifier(ident, server, maker):
    got = ident.identify(
        [Evidence(K.HTTP, f"HTTP/1.1 200 OK\r\nServer: {server}\r\n\r\n".encode())]
    )
    assert got.manufacturer == maker


def test_another_company_of_a_makers_first_name_names_no_maker(ident):
    subject = "CN=iPX3010,OU=I Project,O=Samsung Electronics,L=Suwon,C=KR"
    assert ident.identify([Evidence(K.BANNER, subject.encode())]).manufacturer is None
    camera = "CN=SNB-6004,O=Samsung Techwin,C=KR"
    assert ident.identify([Evidence(K.BANNER, camera.encode())]).manufacturer == "Hanwha Vision"


def _probe_match(address: str, relates: str = "uuid:00493664-80b2-4b4f-9b56-745333c153ca") -> bytes:
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header>'
        f"<a:RelatesTo>{relates}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch>"
        f"<a:EndpointReference><a:Address>{address}</a:Address></a:EndpointReference>"
        "<d:Types>dn:NetworkVideoTransmitter</d:Types>"
        "<d:Scopes>onvif://www.onvif.org/type/video_encoder</d:Scopes>"
        "</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>"
    ).encode()


@pytest.mark.parametrize(
    ("address", "relates", "maker"),
    [
        # a time-based UUID: its node field is the device's MAC (a Hikvision block)
        ("urn:uuid:c8e1a7d2-1dd1-11b2-8a2c-b4a3820fd92d", None, "Hikvision"),
        ("uuid:B926EB6A-CB4B-54DB-3130-B4A3820FD92D", None, "Hikvision"),  # vendor-built
        ("urn:uuid:c8e1a7d2-1dd1-41b2-8a2c-b4a3820fd92d", None, None),  # random: no address
        ("urn:uuid:c8e1a7d2-1dd1-11b2-8a2c-b5a3820fd92d", None, None),  # multicast bit: not a MAC
        # the client's UUID the reply answers is not the device's
        (
            "urn:uuid:c8e1a7d2-1dd1-41b2-8a2c-000000000001",
            "uuid:c8e1a7d2-1dd1-11b2-8a2c-b4a3820fd92d",
            None,
        ),
    ],
)
def test_the_mac_in_a_devices_own_uuid(ident, address, relates, maker):
    payload = _probe_match(address, *([relates] if relates else []))
    got = ident.identify([Evidence(K.WSD_PROBEMATCH, payload)])
    assert got.manufacturer == maker
    assert any(r.field == "uuid" for r in got.evidence) == (maker is not None)


def test_the_mac_in_an_ssdp_replys_device_uuid(ident):
    reply = (
        "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n"
        "USN: uuid:c8e1a7d2-1dd1-11b2-8a2c-b4a3820fd92d::upnp:rootdevice\r\n\r\n"
    )
    assert ident.identify([Evidence(K.HTTP, reply.encode())]).manufacturer == "Hikvision"


def test_a_mac_of_the_company_that_runs_imou_names_dahua(ident):
    got = ident.identify([Evidence(K.MAC, b"a8:31:62:11:22:33")])
    assert (got.manufacturer, got.brand) == ("Dahua", "Imou")


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("ASC 1204B-S", "Dahua"),  # Dahua's ASC1204B-S with its prefix written apart
        ("Door controller ASC 1204B-S in the lobby", "Dahua"),
        ("Room ASC 12 on floor 3", None),  # not a code of the pattern's shape
        ("ABC 1204B-S", None),  # no pattern reads the joined form
    ],
)
def test_a_code_whose_prefix_is_written_apart(ident, text, maker):
    got = ident.identify([Evidence(K.ASSET_ROW, f'{{"description": "{text}"}}'.encode())])
    assert got.manufacturer == maker


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("4MP ColorVu Fixed Turret", "Hikvision"),
        ("WizSense 2MP bullet", "Dahua"),
        ("Sarix Pro 3 Series IP camera", "Pelco"),
    ],
)
def test_a_makers_own_product_line_names_it(ident, text, maker):
    got = ident.identify([Evidence(K.ASSET_ROW, f'{{"description": "{text}"}}'.encode())])
    assert got.manufacturer == maker


@pytest.mark.parametrize(
    ("title", "maker"),
    [
        ("Supported cameras: Hikvision, Dahua, Axis, Uniview", None),  # a list
        ("Lorex by Dahua", "Dahua"),  # a label and its maker: one maker
        ("HIKVISION", "Hikvision"),
    ],
)
def test_a_value_naming_several_makers_is_a_list(ident, title, maker):
    page = f"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n<html><title>{title}</title></html>"
    got = ident.identify([Evidence(K.HTTP, page.encode())])
    assert got.manufacturer == maker
    assert any("read as a list" in n for n in got.notes) == (maker is None)


def test_a_register_row_about_two_makers_names_neither(ident):
    row = b'{"description": "Hikvision NVR recording Axis cameras"}'
    assert ident.identify([Evidence(K.ASSET_ROW, row)]).manufacturer is None


def test_a_generation_word_is_not_a_label(ident):
    page = b"HTTP/1.1 200 OK\r\n\r\n<title>PCIe Gen4 NVMe SSD</title>"
    got = ident.identify([Evidence(K.HTTP, page)])
    assert (got.manufacturer, got.brand) == (None, None)


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("Samsung SSD 870 EVO 1TB", None),  # Samsung Electronics' kit: the label only
        ("samsung SNO-5080R", "Hanwha Vision"),  # the Samsung Techwin line
        ("Samsung Techwin DVR", "Hanwha Vision"),
    ],
)
def test_samsung_alone_is_a_label_its_techwin_line_is_hanwha(ident, text, maker):
    got = ident.identify([Evidence(K.ASSET_ROW, f'{{"description": "{text}"}}'.encode())])
    assert got.manufacturer == maker


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("RLC-810A.home", "Reolink"),  # the model the device named itself, before a domain
        ("DCS-932L.lan", "D-Link"),
        ("XNV-6080R", "Hanwha Vision"),
        ("office-cam.example.com", None),
        ("192.0.2.5", None),
    ],
)
def test_a_host_name_is_read_by_the_model_grammar(ident, name, maker):
    assert ident.identify([Evidence(K.HOSTNAME, name.encode())]).manufacturer == maker


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("IP7151, IP7152", "Vivotek"),  # two codes of one maker's grammar: one maker, surer
        ("IP7151, IP7151", None),  # the same code twice is one reading
        ("IP7151", None),  # one short code in free text stays a guess
    ],
)
def test_several_model_numbers_of_one_maker_corroborate_each_other(ident, text, maker):
    got = ident.identify([Evidence(K.ASSET_ROW, f'{{"description": "{text} units"}}'.encode())])
    assert got.manufacturer == maker


@pytest.mark.parametrize(
    ("records", "maker"),
    [
        (
            "_axis-video._tcp.local.\t10\tIN\tPTR\tAXIS M3045-V - ACCC8E0A1B2C._axis-video._tcp"
            ".local.\nAXIS M3045-V - ACCC8E0A1B2C._axis-video._tcp.local. 10 IN SRV 0 0 80 "
            "axis-accc8e0a1b2c.local.\n",
            "Axis",
        ),
        (
            "_http._tcp.local 120 IN PTR Office printer._http._tcp.local\n"
            'Office printer._http._tcp.local 120 IN TXT "path=/" "note=lobby"\n',
            None,
        ),
    ],
)
def test_mdns_records_printed_as_zone_lines(ident, records, maker):
    # dig/avahi/DNS-library printouts: the PTR's instance name and the SRV host are read.
    assert ident.identify([Evidence(K.MDNS, records.encode())]).manufacturer == maker


@pytest.mark.parametrize("kind", [K.RTSP, K.HTTP])
def test_a_reply_whose_headers_a_log_printed_on_one_line(ident, kind):
    # The WWW-Authenticate header is not a line of its own: its realm is read all the same.
    line = (
        'RTSP/1.0 401 Unauthorized CSeq: 2 WWW-Authenticate: Digest realm="Login to '
        '5J03B2CPAZ11D7E", nonce="0a1b2c3d4e5f60718293a4b5c6d7e8f9"'
    )
    got = ident.identify([Evidence(kind, line.encode())])
    assert got.manufacturer == "Dahua"
    assert any(r.field.endswith("realm") for r in got.evidence)


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("TP-Link-C310-5e0c9a2b-77d1-4f0e-9a41-2b6f0c1d3e4a", "TP-Link"),
        ("D-Link-DCS-936L-porch", "D-Link"),
        ("Front-Door-Cam-2", None),
    ],
)
def test_a_device_name_a_maker_name_starts_with_hyphens_after_it(ident, name, maker):
    data = json.dumps({"deviceName": name, "profileName": "onvif-camera"}).encode()
    assert ident.identify([Evidence(K.HTTP, data)]).manufacturer == maker


@pytest.mark.parametrize(
    ("session", "maker"),
    [("ACCC8E0A1B2C_0", "Axis"), ("ACCC8E0A1B2C", None), ("Session_0", None)],
)
def test_an_sdp_session_named_after_the_cameras_mac(ident, session, maker):
    # A recorder re-streaming a camera names the session <camera MAC>_<stream>.
    sdp = f"v=0\r\no=- 111 0 IN IP4 192.0.2.56\r\ns={session}\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
    got = ident.identify([Evidence(K.RTSP, sdp.encode())])
    assert got.manufacturer == maker
