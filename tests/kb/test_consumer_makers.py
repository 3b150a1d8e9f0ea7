"""Consumer and smaller camera makers: their names, registrants and guards, through the shipped KB."""

from __future__ import annotations

import pytest

from camaudit.identify import Identifier
from camaudit.kb import load_kb
from camaudit.models import Evidence, EvidenceKind


@pytest.fixture(scope="module")
def ident() -> Identifier:
    return Identifier(load_kb())


def _row(ident: Identifier, text: str) -> tuple[str | None, str | None]:
    result = ident.identify([Evidence(EvidenceKind.ASSET_ROW, text.encode())])
    return result.manufacturer, result.brand


def _mac(ident: Identifier, mac: str) -> str | None:
    return ident.identify([Evidence(EvidenceKind.MAC, mac.encode())]).manufacturer


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        ("Netatmo Welcome indoor camera", "Netatmo"),
        ("Logitech Circle View Doorbell", "Logitech"),
        ("Belkin NetCam HD", "Belkin"),
        ("AirLive OD-2025HD", "AirLive"),
        ("blurams A10C", "Blurams"),
        ("SwitchBot Pan/Tilt Cam", "SwitchBot"),
        ("Seeed Studio reCamera", "Seeed Studio"),
        ("Y-cam Bullet HD", "Y-cam"),
        ("Blink Mini", "Blink"),
        ("Tenda CP3 Pro", "Tenda"),
        ("Merkury 1080P camera", "Merkury"),
        ("3Com iCV-01a WebCAM", "3Com"),
        ("LevelOne FCS-5011", "LevelOne"),
    ],
)
def test_new_makers_are_named_in_register_text(ident, text, maker):
    assert _row(ident, text)[0] == maker


@pytest.mark.parametrize(
    "text",
    [
        "camera covers the blink spot by the gate",  # ordinary word, lower case
        "mercury vapour lamp over the yard",  # 'mercury' is no alias of the Chinese maker
        "elmo sticker on the lobby monitor",
        "dafang street entrance",  # a partial label names no maker by itself
        "Level one car park camera",  # LevelOne is named only as one word
        "Air live feed to the guard house",  # AirLive likewise
        "y cam in the hall",
    ],
)
def test_ordinary_words_name_no_new_maker(ident, text):
    assert _row(ident, text)[0] is None


def test_xiaomi_label_with_ecosystem_camera_name(ident):
    assert _row(ident, "Xiaomi Dafang Kamera") == ("Xiaomi", "Dafang")


@pytest.mark.parametrize(
    ("mac", "maker"),
    [
        ("B0:E9:FE:55:56:69", "SwitchBot"),  # Woan Technology (Shenzhen)
        ("70:EE:50:01:02:03", "Netatmo"),
        ("74:AB:93:01:02:03", "Blink"),  # "Blink by Amazon " (trailing space in the registry)
        ("18:C2:3C:01:02:03", "Aqara"),  # Lumi United
        ("50:3A:A0:01:02:03", "Mercury"),  # Shenzhen Mercury Communication Technologies
        ("00:09:9A:01:02:03", "Elmo"),
    ],
)
def test_new_registrants_name_their_maker(ident, mac, maker):
    assert _mac(ident, mac) == maker


@pytest.mark.parametrize(
    "mac",
    [
        "10:18:9E:01:02:03",  # Elmo Motion Control: another firm
        "B8:5F:98:01:02:03",  # Amazon Technologies: not only Blink
        "0C:AE:7D:01:02:03",  # Texas Instruments module in some Ring devices
    ],
)
def test_unrelated_registrants_stay_unnamed(ident, mac):
    assert _mac(ident, mac) is None


@pytest.mark.parametrize(
    "text",
    [
        "mercury vapour lamp over the yard",
        "ring camera by the gate",
        "blink of an eye",
        "elmo doll",
    ],
)
def test_register_free_text_reads_ordinary_words_as_words(text):
    from camaudit.identify.register_reading import default_reader

    assert default_reader().find_maker(text, forgiving=False) is None
