"""The generic field extractor: canonical fields from any key spelling, in any structure."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify.extract.fields import Fields
from camaudit.identify.extract.generic import (
    canonical,
    canonical_fields,
    device_attributes,
    json_pairs,
    printout_pairs,
    scope_fields,
    sdp_fields,
    structured_pairs,
)


@pytest.mark.parametrize(
    ("key", "canon"),
    [
        ("Manufacturer", "manufacturer"),
        ("manufacturer_name", "manufacturer"),
        ("json.deviceVendor", "manufacturer"),
        ("Hersteller", "manufacturer"),
        ("厂商", "manufacturer"),
        ("device_model", "model"),
        ("ModelName", "model"),
        ("xml.modelNumber", "model"),
        ("sw_version", "firmware"),
        ("Firmware-Version", "firmware"),
        ("firmVer", "firmware"),
        ("SerialNumber", "serial"),
        ("sn", "serial"),
        ("MAC Address", "mac"),
        ("HardwareId", "hardware"),
        ("deviceType", "device_type"),
        ("type", "device_type"),
        ("deviceVersion", "firmware"),
        ("friendlyName", "name"),
        ("product", "name"),
        ("version", None),
        ("Content-Type", None),
        ("", None),
    ],
)
def test_canonical_keys(key, canon):
    assert canonical(key) == canon


def test_python_and_go_printouts():
    py = "{'Manufacturer': 'HIKVISION', 'Model': 'DS-2CD2043G0-I', 'HardwareId': '88'}"
    assert dict(printout_pairs(py)) == {
        "Manufacturer": "HIKVISION",
        "Model": "DS-2CD2043G0-I",
        "HardwareId": "88",
    }
    go = "{Manufacturer:HIKVISION Model:DS-2CD2143G2-I FirmwareVersion:V5.5.0 build 170725 HardwareId:88}"
    got = dict(printout_pairs(go))
    assert got["FirmwareVersion"] == "V5.5.0 build 170725"
    assert got["Model"] == "DS-2CD2143G2-I"
    lines = "Manufacturer: Dahua\nFirmware Version = 2.800.0000016.0.R\nunrelated: x\n"
    assert dict(printout_pairs(lines)) == {
        "Manufacturer": "Dahua",
        "Firmware Version": "2.800.0000016.0.R",
    }


def test_nested_json_and_name_value_rows():
    text = 'data: {"a": {"device_model": "X-1"}, "params": [{"name": "Manufacturer", "value": "Acme"}]}'
    pairs = json_pairs(text)
    assert ("device_model", "X-1") in pairs
    assert ("Manufacturer", "Acme") in pairs


def test_json_cut_short_keeps_its_complete_pairs():
    text = '{"info": {"Manufacturer": "HIKVISION", "port": 8000, "note": "a\\"b", "model": "DS-2C'
    assert json_pairs(text) == [("Manufacturer", "HIKVISION"), ("port", "8000"), ("note", 'a"b')]


_SCALARS = st.one_of(st.text(max_size=20), st.integers(min_value=-(10**6), max_value=10**6))


@settings(max_examples=150, deadline=None)
@given(
    obj=st.dictionaries(
        st.text(min_size=1, max_size=12),
        st.one_of(
            _SCALARS, st.dictionaries(st.text(min_size=1, max_size=12), _SCALARS, max_size=4)
        ),
        max_size=8,
    ),
    indent=st.sampled_from([None, 2]),
    cut=st.floats(min_value=0.0, max_value=1.0),
)
def test_cut_json_pairs_are_a_prefix_of_the_whole(obj, indent, cut):
    """Whatever the cut, the pairs read from JSON cut short are the parsed JSON's first pairs."""
    text = json.dumps(obj, indent=indent)
    whole = json_pairs(text)
    part = json_pairs(text[: int(len(text) * cut)]) if cut < 1 else whole
    assert part == whole[: len(part)]


def test_canonical_fields_keep_origin():
    fields = Fields()
    origin = canonical_fields([("manufacturer_name", "Acme"), ("other", "X-100")], fields)
    assert fields.get("gen.manufacturer") == ["Acme"]
    assert fields.get("gen.text") == ["X-100"]
    assert origin["gen.manufacturer=Acme"] == "manufacturer_name"


def test_scopes_anywhere():
    f = scope_fields(
        '["onvif://www.onvif.org/name/Acme%20Cam", "onvif://www.onvif.org/mac/00408c123456"]'
    )
    assert f.get("scope.name") == ["Acme Cam"]
    assert f.get("mac") == ["00408c123456"]


FORMATS = st.lists(st.sampled_from(["json", "xml", "kv", "printout", "html", "sdp"]), max_size=4)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=3000), formats=FORMATS)
def test_random_text_never_raises(text, formats):
    fields = Fields()
    canonical_fields(structured_pairs(text, formats), fields)
    scope_fields(text)


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(min_value=1, max_value=3000))
def test_deep_json_never_raises(depth):
    json_pairs("[" * depth + "1" + "]" * depth)
    json_pairs('{"a":' * depth)


def test_site_survey_networks_are_not_this_device():
    """A Wi-Fi scan lists other devices' networks: an SSID spelt like a maker names nothing."""
    fields = Fields()
    canonical_fields([("SSID", "Hikvision"), ("xml.ESSID", "Dahua"), ("Vendor", "Axis")], fields)
    assert fields.get("gen.word") == []
    assert fields.get("gen.manufacturer") == ["Axis"]


def test_device_fields_written_as_xml_attributes():
    doc = (
        '<?xml version="1.0"?><DeviceInfo xmlns="urn:x" Vendor=\'Dahua\' Model="IPC-HFW1230S" '
        'SerialNumber="6G0B3E7PAG00A21"><Profile token="Profile_1" name="main" type="x"/>'
        "</DeviceInfo>"
    )
    assert device_attributes(doc) == [
        ("vendor", "Dahua"),
        ("model", "IPC-HFW1230S"),
        ("serialnumber", "6G0B3E7PAG00A21"),
    ]


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("<>/=\"' abmodel:x&;#\n")), max_size=2000))
def test_xml_attributes_of_random_markup_never_raise(text):
    for name, value in device_attributes(text):
        assert name and value == value.strip()


def test_sdp_lines_as_a_protocol_analyser_prints_them():
    text = (
        "Session Description Protocol\n"
        "\tSession Description Protocol Version (v): 0\n"
        "\tSession Name (s): Streaming Session\n"
        "\tMedia Description, name and address (m): video 0 RTP/AVP 96\n"
        "\tMedia Attribute (a): rtpmap:96 H264/90000\n"
    )
    fields = Fields()
    sdp_fields(text, fields)
    assert fields.get("sdp.s") == ["Streaming Session"]
    assert fields.get("sdp.a") == ["rtpmap:96 H264/90000"]
    assert fields.get("sdp.v") == ["0"]
