"""Hikvision/Dahua OEM-label model numbers: read from a model column and from free text as
registers and product pages write them, and other makers' look-alike codes left alone."""

from __future__ import annotations

import json

import pytest

from camaudit.identify import Identifier
from camaudit.kb import load_kb
from camaudit.models import Evidence, EvidenceKind

K = EvidenceKind


@pytest.fixture(scope="module")
def ident():
    return Identifier()


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def _row(ident, row):
    data = row.encode() if isinstance(row, str) else json.dumps(row).encode()
    return ident.identify([Evidence(K.ASSET_ROW, data)])


@pytest.mark.parametrize(
    ("row", "maker", "brand"),
    [
        # EZVIZ: the full CS- code names the maker even among other words
        ("C6TC (CS-C6TC-32WFR) IP cams", "Hikvision", "EZVIZ"),
        ("BC1C 2K+ Kit", "Hikvision", "EZVIZ"),
        ({"model": "CS-HB8"}, "Hikvision", "EZVIZ"),
        # Imou / Dahua consumer codes typed in lower case or with a space
        ({"model": "ipc d42p"}, "Dahua", "Imou"),
        ({"model": "ipc-a22ep"}, "Dahua", "Imou"),
        # Lorex (Dahua-made lines)
        ("N843 Series 4K Ultra HD Security NVR", "Dahua", "Lorex"),
        ({"model": "N843A8"}, "Dahua", "Lorex"),
        ("4K Ultra HD Active Deterrence Security Camera C883DA Series", "Dahua", "Lorex"),
        ({"model": "LN400"}, "Dahua", "Lorex"),
        # Intelbras recorders
        ({"description": "Intelbras iNVD7032"}, "Dahua", "Intelbras"),
        ({"model": "MHDX 1108"}, "Dahua", "Intelbras"),
        # Dahua's DH- prefix before a product code
        ("DH-SD2AY Network PT Camera", "Dahua", "Dahua"),
    ],
)
def test_oem_label_models_name_their_maker(ident, row, maker, brand):
    got = _row(ident, row)
    assert (got.manufacturer, got.brand) == (maker, brand)


@pytest.mark.parametrize(
    "row",
    [
        "Logitech C270HD webcam on the desk PC",
        {"model": "N900"},  # Nokia's phone
        {"model": "C200"},  # a Tapo camera: not Lorex's C-series
        "kit with a CS-C6N, box opened",  # a bare short EZVIZ code in prose stays a hint
        "My C6 2K camera",
        {"model": "DH-100"},
        {"model": "LN4000"},
    ],
)
def test_look_alike_codes_claim_no_restricted_maker(ident, row):
    got = _row(ident, row)
    assert got.manufacturer not in ("Hikvision", "Dahua")


def test_the_full_ezviz_code_outweighs_the_bare_one(kb):
    full = kb.match_model("CS-C6N-A0-1C2WFR")
    bare = kb.match_model("CS-C6N")
    assert full is not None and bare is not None
    assert full.spec.weight >= 0.8 > bare.spec.weight


@pytest.mark.parametrize("mac", [b"40:7a:a4", b"40-7A-A4", b"40:7A:A4:C8:92:04", b"407a.a4c8.9204"])
def test_the_dahua_block_missing_from_the_bundled_registry_is_read(ident, mac):
    assert ident.identify([Evidence(K.MAC, mac)]).manufacturer == "Dahua"


def test_a_neighbouring_block_is_not_dahua(ident):
    assert ident.identify([Evidence(K.MAC, b"40:7a:a5")]).manufacturer is None


@pytest.mark.parametrize(
    ("row", "maker"),
    [
        ("EZVIZ EB3 4G battery camera", "Hikvision"),
        ("C6N PRO 2K", "Hikvision"),
        ({"model": "DVR-104G-K1"}, "Hikvision"),
        ("4-channel DVR-108G-F1 in the shop", "Hikvision"),
        ({"model": "IPC-B1120HAP-LUF"}, "Hikvision"),
        ({"model": "C884DA-WA"}, "Dahua"),
        ({"model": "VHD 1120 B G6"}, "Dahua"),
        ({"model": "DS-2AE4225TI-D"}, "Hikvision"),
        ("DS-7804HQH-K1 recorder in the rack", "Hikvision"),
        ({"model": "IDS-7816NX"}, "Hikvision"),
    ],
)
def test_more_oem_shapes(ident, row, maker):
    assert _row(ident, row).manufacturer == maker
