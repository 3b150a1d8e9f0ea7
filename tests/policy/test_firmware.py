"""Firmware parsing per vendor scheme, and range tables (older / boundary / patched) per vendor."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from camaudit.policy.engine import firmware_in_bounds
from camaudit.policy.firmware import MAX_FIRMWARE, FirmwareScheme, parse_firmware
from camaudit.policy.schema import FirmwareBounds

PARSE = [
    (
        "Hikvision",
        "V5.5.0 build 170914",
        FirmwareScheme.HIKVISION,
        (5, 5, 0),
        date(2017, 9, 14),
        None,
    ),
    (
        "Hikvision",
        "V5.5.0build 170914",
        FirmwareScheme.HIKVISION,
        (5, 5, 0),
        date(2017, 9, 14),
        None,
    ),
    (
        "Hikvision",
        "V5.4.0 Build 160401",
        FirmwareScheme.HIKVISION,
        (5, 4, 0),
        date(2016, 4, 1),
        None,
    ),
    ("Hikvision", "5.4.6_180112", FirmwareScheme.HIKVISION, (5, 4, 6), date(2018, 1, 12), None),
    (
        "Hikvision",
        "V4.30.097 build 240401",
        FirmwareScheme.HIKVISION,
        (4, 30, 97),
        date(2024, 4, 1),
        None,
    ),
    ("Hikvision", "V5.7.18", FirmwareScheme.HIKVISION, (5, 7, 18), None, None),
    ("Hikvision", "V2.3.8-8", FirmwareScheme.HIKVISION, (2, 3, 8, 8), None, None),
    (
        "Dahua",
        "2.800.0000000.16.R, Build Date: 2021-02-25",
        FirmwareScheme.DAHUA,
        (2, 800, 16),
        date(2021, 2, 25),
        "2.800",
    ),
    (
        "Dahua",
        "2.420.Dahua 00.14.R, build: 2016-06-18",
        FirmwareScheme.DAHUA,
        (2, 420, 14),
        date(2016, 6, 18),
        "2.420",
    ),
    (
        "Dahua",
        "2.800.0000016.0.R,build:2020-06-05",
        FirmwareScheme.DAHUA,
        (2, 800, 0),
        date(2020, 6, 5),
        "2.800",
    ),
    (
        "Dahua",
        "4.001.0000005.0,build:2020-11-17",
        FirmwareScheme.DAHUA,
        (4, 1, 0),
        date(2020, 11, 17),
        "4.001",
    ),
    ("Dahua", "2.400.0.8", FirmwareScheme.DAHUA, (2, 400, 8), None, "2.400"),
    ("Dahua", "2.608.GV00.0", FirmwareScheme.DAHUA, (2, 608, 0), None, "2.608"),
    ("Axis", "9.80.3.1", FirmwareScheme.DOTTED, (9, 80, 3, 1), None, None),
    ("Axis", "10.11.87", FirmwareScheme.DOTTED, (10, 11, 87), None, None),
    (
        "Hanwha Vision",
        "2.21.02_20211014_R251",
        FirmwareScheme.DOTTED,
        (2, 21, 2),
        date(2021, 10, 14),
        None,
    ),
    (None, "v2.0.0.1389_18081408", FirmwareScheme.DOTTED, (2, 0, 0, 1389), None, None),
]


@pytest.mark.parametrize(("maker", "text", "scheme", "numbers", "build", "branch"), PARSE)
def test_parse(maker, text, scheme, numbers, build, branch):
    fw = parse_firmware(text, maker)
    assert fw is not None
    assert (fw.scheme, fw.numbers, fw.build, fw.branch) == (scheme, numbers, build, branch)


@pytest.mark.parametrize(
    ("maker", "text"),
    [
        ("Uniview", "IPC_G6103-B0009P01D1907"),
        ("Hikvision", "garbage"),
        (None, ""),
        (None, "   "),
        ("Dahua", None),
    ],
)
def test_unparseable_is_unknown(maker, text):
    assert parse_firmware(text, maker) is None


def test_maker_string_in_another_scheme_does_not_compare():
    odd = parse_firmware("2.800.0000000.16.R", "Hikvision")  # Dahua-shaped string on a Hikvision
    assert odd is not None and odd.scheme is FirmwareScheme.DOTTED
    bound = parse_firmware("V5.5.0 build 170914", "Hikvision")
    assert bound is not None and odd.compare(bound) is None


# Range tables per vendor: (firmware, expected in range). Each has an older, a boundary and a
# patched/newer case; bounds are written in the vendor's own notation.
HIKVISION_RANGE = FirmwareBounds(min="V5.2.0 build 140721", max="V5.4.0 build 160530")
HIKVISION_TABLE = [
    ("V5.1.6 build 140612", False),  # older than the range
    ("V5.2.0 build 140721", True),  # lower boundary (inclusive)
    ("V5.3.0build 150327", True),  # inside, SADP spelling
    ("V5.4.0 build 160530", True),  # upper boundary (inclusive)
    ("V5.4.0 build 160531", False),  # same version, later build: patched
    ("V5.4.5 build 170124", False),  # newer version
    ("V5.4.0", True),  # same version, build unknown: counts as the version
]
DAHUA_RANGE = FirmwareBounds(
    min="2.400.0000000.1.R", below="2.800.0000000.16.R, Build Date: 2021-02-25"
)
DAHUA_TABLE = [
    ("2.340.0000000.4.R, Build Date: 2015-01-01", False),  # older branch
    ("2.400.0000000.1.R, Build Date: 2016-03-01", True),  # boundary
    ("2.622.0000000.31.R, Build Date: 2018-11-23", True),
    ("2.800.0000000.16.R, Build Date: 2021-02-24", True),  # same revision, earlier build
    ("2.800.0000000.16.R, Build Date: 2021-02-25", False),  # the fixed build (below is exclusive)
    ("2.820.0000000.48.R, Build Date: 2022-12-07", False),  # patched
]
AXIS_RANGE = FirmwareBounds(min="9.80.1", below="10.12")
AXIS_TABLE = [
    ("9.80.0", False),  # older
    ("9.80.1", True),  # boundary
    ("9.80.3.1", True),
    ("10.11.87", True),
    ("10.12", False),  # boundary (exclusive)
    ("10.12.182", False),  # patched
    ("11.0.0", False),
]


@pytest.mark.parametrize(
    ("maker", "bounds", "firmware", "inside"),
    [("Hikvision", HIKVISION_RANGE, f, x) for f, x in HIKVISION_TABLE]
    + [("Dahua", DAHUA_RANGE, f, x) for f, x in DAHUA_TABLE]
    + [("Axis", AXIS_RANGE, f, x) for f, x in AXIS_TABLE],
)
def test_range_table(maker, bounds, firmware, inside):
    assert firmware_in_bounds(parse_firmware(firmware, maker), bounds, maker) is inside


def test_unknown_firmware_is_undecided():
    assert firmware_in_bounds(None, HIKVISION_RANGE, "Hikvision") is None
    assert parse_firmware("IPC_2.0", "Axis") is None
    dahua_shaped = parse_firmware("2.800.0000000.16.R", "Hikvision")
    assert firmware_in_bounds(dahua_shaped, HIKVISION_RANGE, "Hikvision") is None


@given(st.text(max_size=300), st.sampled_from(["Hikvision", "Dahua", "Axis", None]))
def test_parse_never_raises(text, maker):
    fw = parse_firmware(text, maker)
    if fw is not None:
        assert fw.compare(fw) == 0
        assert fw.describe()


@given(
    st.tuples(st.integers(0, 20), st.integers(0, 999), st.integers(0, 99)),
    st.tuples(st.integers(0, 20), st.integers(0, 999), st.integers(0, 99)),
)
def test_compare_is_antisymmetric(a, b):
    fa = parse_firmware(".".join(map(str, a)), "Axis")
    fb = parse_firmware(".".join(map(str, b)), "Axis")
    assert fa is not None and fb is not None
    assert fa.compare(fb) == -(fb.compare(fa) or 0)
    assert (fa.compare(fb) == 0) == (a == b)


def test_huge_input_is_cut():
    long = parse_firmware("9." + "1" * 100_000, "Axis")
    assert long is not None and long.numbers[0] == 9 and len(long.raw) <= MAX_FIRMWARE
    fw = parse_firmware("V5.5.0 build 170914" + " " * 10_000, "Hikvision")
    assert fw is not None and fw.numbers == (5, 5, 0)
