"""Splitting an estate by its relation to one vendor."""

from __future__ import annotations

from camaudit.reports import assess_vendor, build_report_data


def split(estate, findings, vendor):
    return assess_vendor(build_report_data(estate, findings).entries, vendor)


def test_hikvision_direct_oem_and_hinted(estate, findings):
    x = split(estate, findings, "Hikvision")
    assert len(x.direct) == 3
    assert [e.device.identity.brand for e in x.oem] == ["LTS"]
    assert x.labels == {"LTS": 1}
    # the Axis camera whose MAC is registered to Hikvision
    assert [e.device.ip for e in x.indicated] == ["127.20.0.17"]
    assert x.indicated_unknown == 0
    assert (x.other, x.unknown) == (3, 1)
    assert x.made_by_vendor + len(x.indicated) + x.other + x.unknown == x.total == 9
    assert x.high_confidence == 3 and x.unknown_makers == 1


def test_vendor_name_is_case_insensitive_and_takes_kb_spelling(estate, findings):
    x = split(estate, findings, "  hikvision ")
    assert x.vendor == "Hikvision" and x.made_by_vendor == 4


def test_dahua(estate, findings):
    x = split(estate, findings, "Dahua")
    assert len(x.direct) == 1 and not x.oem and not x.indicated
    assert x.other == 7 and x.unknown == 1


def test_vendor_absent(estate, findings):
    x = split(estate, findings, "Vivotek")
    assert x.made_by_vendor == 0 and not x.indicated
    assert x.other == 8 and x.unknown == 1


def test_word_boundaries(estate, findings):
    # "Hik" appears inside "Hikvision" everywhere, but never as a word of its own
    assert not split(estate, findings, "Hik").indicated


def test_empty_estate():
    x = assess_vendor([], "Hikvision")
    assert x.total == 0 and x.made_by_vendor == 0
