"""The shipped bodies, the CSV import and the population table reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from camaudit.errors import AccessDeniedError, InputError
from camaudit.oversight import service
from camaudit.oversight.bodies import load_reference, name_key, read_bodies_csv
from camaudit.oversight.population import read_population_table
from camaudit.oversight.types import Caller
from tests.oversight.conftest import EDITOR

FACTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "facts.md"


def test_reference_list_has_the_32_councils_and_police_scotland():
    bodies = load_reference()
    councils = [b for b in bodies if b.kind == "council"]
    assert len(councils) == 32
    codes = [b.code for b in councils]
    assert all(c and re.fullmatch(r"S12\d{6}", c) for c in codes)
    assert len(set(codes)) == 32
    police = [b for b in bodies if b.kind == "police"]
    assert [p.name for p in police] == ["Police Scotland"]
    assert police[0].code is None  # no verified code: missing, not guessed


def test_every_shipped_population_has_vintage_source_and_a_confidence_we_ship():
    figures = [b for b in load_reference() if b.population]
    assert figures
    for b in figures:
        p = b.population
        assert p is not None and p.vintage and p.source
        assert p.confidence in ("H", "M"), b.key  # [L] leads are never shipped
    # Orkney's only figure is an [L] lead ("about 22,000"): not shipped
    orkney = next(b for b in load_reference() if b.key == "orkney-islands")
    assert orkney.population is None and orkney.population_text == "not known"


def test_codes_and_figures_match_the_reference_facts():
    if not FACTS.is_file():
        pytest.skip("shared/reference/facts.md not present")
    text = FACTS.read_text(encoding="utf-8")
    for b in load_reference():
        if b.code:
            assert re.search(rf"\| {re.escape(b.name)} \| {b.code} \|", text), b.name
        if b.population:
            assert f"{b.population.value:,}" in text, b.name


def test_name_matching_ignores_council_and_ampersand():
    assert name_key("Perth & Kinross Council") == name_key("Perth and Kinross")
    assert name_key("The Highland Council") == name_key("Highland")


def test_bodies_csv_import(tmp_path, store):
    f = tmp_path / "wales.csv"
    f.write_text(
        "Name,Code,Kind,Nation,Population,Population vintage,Population source\n"
        "Cardiff,W06000015,council,Wales,,,\n"
        "Example Police,,police,Wales,1000,mid-2023,test table\n",
        encoding="utf-8",
    )
    added, updated = service.import_bodies(store, EDITOR, f)
    assert (added, updated) == (2, 0)
    cardiff = service.list_bodies(store, EDITOR)
    assert any(b.key == "cardiff" and b.population is None for b in cardiff)


def test_bodies_csv_refuses_a_population_without_its_source(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("name,population\nSomewhere,5000\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv:2: population needs"):
        read_bodies_csv(f)


def test_a_body_user_cannot_change_the_list(tmp_path, store):
    f = tmp_path / "x.csv"
    f.write_text("name\nX\n", encoding="utf-8")
    with pytest.raises(AccessDeniedError):
        service.import_bodies(store, Caller.of_body("clerk", "fife"), f)


def _nrs_like_rows() -> list[list[object]]:
    """Shaped like an NRS mid-year estimates table: title and note rows, then the header."""
    return [
        [
            "Table 1: Estimated population by sex, single year of age, Scotland and council areas, mid-2031"
        ],
        ["Source: a test table written for this test"],
        [],
        ["Area code", "Area name", "Sex", "All ages", "0", "1"],
        ["S92000003", "Scotland", "Persons", "6,000,000", "1", "2"],
        ["S08000030", "Grampian", "Persons", "590,000", "1", "2"],
        ["S08000029", "Fife", "Persons", "999,999", "1", "2"],  # the health board, not the council
        ["S12000033", "Aberdeen City", "Persons", "230,000", "1", "2"],
        ["S12000033", "Aberdeen City", "Females", "115,000", "1", "2"],
        ["", "Perth & Kinross Council", "Persons", 150001, "1", "2"],
        ["S12000099", "Nowhere", "Persons", "7", "1", "2"],
    ]


def test_population_table_from_xlsx(tmp_path, store):
    wb = Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["This workbook has notes first"])
    data = wb.create_sheet("Table 1")
    for row in _nrs_like_rows():
        data.append(row)
    path = tmp_path / "mid-year.xlsx"
    wb.save(path)
    table = read_population_table(path)
    assert table.vintage == "mid-2031" and table.sheet == "Table 1"
    result = service.import_population(store, EDITOR, path)
    assert set(result.updated) == {"aberdeen-city", "perth-and-kinross"}
    assert {r.name for r in result.unmatched} == {"Scotland", "Nowhere", "Grampian", "Fife"}
    aberdeen = next(b for b in service.list_bodies(store, EDITOR) if b.key == "aberdeen-city")
    assert aberdeen.population is not None
    assert aberdeen.population.value == 230_000  # the Persons row, not Females
    assert aberdeen.population.vintage == "mid-2031"
    assert "mid-year.xlsx" in aberdeen.population.source


def test_population_table_from_csv_needs_a_vintage_when_the_title_has_none(tmp_path, store):
    path = tmp_path / "table.csv"
    path.write_text("Area code,Area name,All ages\nS12000036,City of Edinburgh,530000\n", "utf-8")
    with pytest.raises(InputError, match="vintage"):
        service.import_population(store, EDITOR, path)
    result = service.import_population(store, EDITOR, path, vintage="mid-2030", source="test")
    assert result.updated == ("city-of-edinburgh",)


def test_population_table_not_found(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no population table"):
        read_population_table(path)
