"""Registers read as a person reads them: a second, messier register (95 rows, CSV and XLSX) with
its ground truth in a separate file; maker spellings, OEM labels, words in any column, model
numbers anywhere, negations; brands only ever KB names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from camaudit.identify import Identifier
from camaudit.identify.register_reading import (
    AS_WRITTEN,
    READ_AS,
    default_reader,
    osa_distance_at_most_one,
)
from camaudit.importers import RegisterImporter
from camaudit.kb import load_kb
from camaudit.models import Identity
from tests.importers.conftest import FIXTURES

openpyxl = pytest.importorskip("openpyxl")

REGISTER = FIXTURES / "register" / "messy_register_2.csv"


@pytest.fixture(scope="module")
def identifier() -> Identifier:
    return Identifier()


TRUTH = FIXTURES / "register" / "messy_register_2.truth.csv"
FAMILIES = {"Hikvision", "Dahua"}


def _truth() -> dict[str, str | None]:
    with TRUTH.open(newline="", encoding="utf-8") as fh:
        return {r["cam_ref"]: r["maker"] or None for r in csv.DictReader(fh)}


def _identities(path: Path, identifier: Identifier) -> dict[str, tuple[dict[str, str], Identity]]:
    out: dict[str, tuple[dict[str, str], Identity]] = {}
    for ev in RegisterImporter().read(path):
        row = json.loads(ev.payload)
        out[row["asset_id"]] = (row, identifier.identify([ev]))
    return out


@pytest.fixture(scope="module")
def xlsx_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("xlsx2") / "register.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Estate"
    with REGISTER.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            ws.append(row)
    book.save(target)
    return target


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_messy_register_makers_families_and_brands(
    form: str, identifier: Identifier, xlsx_register: Path
) -> None:
    truth = _truth()
    assert len(truth) >= 80
    seen = _identities(REGISTER if form == "csv" else xlsx_register, identifier)
    assert set(seen) == set(truth)  # title, blank and repeated header rows are not devices
    right = [ref for ref, (_, ident) in seen.items() if ident.manufacturer == truth[ref]]
    assert len(right) / len(truth) >= 0.95, sorted(set(truth) - set(right))
    family = [ref for ref, maker in truth.items() if maker in FAMILIES]
    missed = [ref for ref in family if not seen[ref][1].restricted]
    assert len(family) >= 40 and missed == []
    kb = load_kb()
    free_text = {
        ref: i.brand for ref, (_, i) in seen.items() if i.brand and not kb.resolve(i.brand)
    }
    assert free_text == {}
    # every row left without a maker says what was seen
    for ref, (row, ident) in seen.items():
        if ident.manufacturer is None:
            assert "no maker or model recognised" in row["notes"], ref


def test_what_was_written_is_kept_and_the_reading_said(identifier: Identifier) -> None:
    seen = _identities(REGISTER, identifier)
    row, ident = seen["C-003"]
    assert row["make"] == "Hikvision" and row["make" + AS_WRITTEN] == "Hikvison"
    assert "one letter off" in row[READ_AS]
    row, ident = seen["N-011"]
    assert (row["make"], ident.brand, ident.manufacturer) == ("Annke", "Annke", "Hikvision")
    row, ident = seen["C-009"]
    assert (ident.brand, ident.manufacturer) == ("LTS", "Hikvision")
    row, ident = seen["C-084"]  # "unknown - contractor": not a brand, kept as written
    assert "make" not in row and row["make" + AS_WRITTEN] == "unknown - contractor"
    assert ident.brand is None and "'unknown - contractor'" in row["notes"]
    row, ident = seen["C-025"]  # maker and model read from the description
    assert (ident.manufacturer, ident.model) == ("Hikvision", "DS-2CD2043G2-I")
    row, _ = seen["C-006"]
    assert READ_AS not in row  # nothing to read beyond what the columns already say


@pytest.mark.parametrize(
    ("row", "maker"),
    [
        ({"make": "HIK-VISION"}, "Hikvision"),
        ({"make": "Dahau"}, "Dahua"),
        ({"make": "Hik 4MP dome"}, "Hikvision"),
        ({"make": "LTS Platinum"}, "LTS"),
        ({"make": "Annke NVR"}, "Annke"),
        ({"make": "", "description": "Replaced Axis with Hikvision dome"}, "Hikvision"),
        ({"description": "Old unit; not Hikvision"}, None),
        ({"description": "Replaced Hikvision dome with new unit"}, None),
        ({"description": "Contact Anne for access"}, None),
        ({"description": "3-axis gimbal"}, None),
        ({"description": "AXIS dome, lift lobby"}, "Axis"),
        ({"model": "4MP dome DS-2CD2143G2-I"}, None),
        ({"location": "Hikvision Way", "description": "dome"}, None),
        ({"installer": "Dahua certified installer", "make": "Axis"}, "Axis"),
        ({"model": "DS-2CD2143G2-I", "description": "Axis-style mount, AXIS bracket"}, None),
        ({"model": "CMIP7442W-28", "description": "LTS turret"}, "LTS"),
    ],
)
def test_row_readings(row: dict[str, str], maker: str | None) -> None:
    out = default_reader().read_row({k: v for k, v in row.items() if v})
    assert out.get("make") == maker


@pytest.mark.parametrize(
    ("row", "how"),
    [
        ({"make": "Dahua / Imou"}, "Dahua from make 'dahua' (KB name)"),
        ({"Brand": "Hik 4MP"}, "Hikvision from Brand 'hik' (KB name)"),
        ({"make": "Hikv."}, "Hikvision from make 'hikv' (short for Hikvision)"),
        ({"make": "Hikvison"}, "Hikvision from make 'hikvison' (one letter off 'hikvision')"),
        ({"make": "dahau"}, "Dahua from make 'dahau' (known spelling)"),
    ],
)
def test_how_each_reading_is_said(row: dict[str, str], how: str) -> None:
    assert default_reader().read_row(row)[READ_AS] == how


def test_model_numbers_anywhere() -> None:
    reader = default_reader()
    out = reader.read_row({"model": "4MP dome DS-2CD2143G2-I"})
    assert out["model"] == "DS-2CD2143G2-I" and out["model" + AS_WRITTEN].startswith("4MP")
    out = reader.read_row({"asset_id": "C1", "Comments": "IPC-HDW2431T-AS over door"})
    assert out["model"] == "IPC-HDW2431T-AS"
    out = reader.read_row({"serial": "DS-2CD2346G2-IU20230302AAWRL00112233"})
    assert "model" not in out  # a serial number is not read as a model


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("hikvison", "hikvision", True),
        ("dahau", "dahua", True),
        ("hickvision", "hikvision", True),
        ("dahwa", "dahua", True),
        ("lorex", "rolex", False),
        ("axis", "axis", True),
        ("bosch", "bsoch", True),
        ("annke", "anne", True),
        ("dhuaa", "dahua", False),
    ],
)
def test_edit_distance(a: str, b: str, near: bool) -> None:
    assert osa_distance_at_most_one(a, b) is near
    assert osa_distance_at_most_one(b, a) is near


def test_spellings_name_only_kb_names() -> None:
    reader = default_reader()
    kb = load_kb()
    for label in [*reader.data.spellings.values(), *reader.data.prefixes.values()]:
        assert kb.resolve(label) is not None, label
