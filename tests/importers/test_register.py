"""The asset-register importer: 60 messy rows as CSV and as XLSX, each resolved to its maker;
header variants; bad cells; hostile files."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError, InputError
from camaudit.identify import Identifier
from camaudit.importers import RegisterImporter, detect_format
from camaudit.models import Evidence, EvidenceKind
from tests.importers.conftest import FIXTURES

openpyxl = pytest.importorskip("openpyxl")

REGISTER = FIXTURES / "register" / "messy_register.csv"
HIK, DAHUA, AXIS = "Hikvision", "Dahua", "Axis"
#: Asset tag -> the maker the row must resolve to (label makers resolve to their OEM source).
EXPECTED = {
    "CAM-001": HIK,
    "CAM-002": HIK,
    "CAM-003": HIK,
    "CAM-004": HIK,
    "NVR-005": HIK,
    "CAM-006": HIK,
    "CAM-007": HIK,
    "CAM-008": HIK,
    "CAM-009": DAHUA,
    "CAM-010": DAHUA,
    "CAM-011": HIK,
    "CAM-012": HIK,
    "CAM-013": HIK,
    "CAM-014": DAHUA,
    "CAM-015": DAHUA,
    "CAM-016": DAHUA,
    "CAM-017": DAHUA,
    "CAM-018": DAHUA,
    "NVR-019": DAHUA,
    "CAM-020": AXIS,
    "CAM-021": AXIS,
    "CAM-022": AXIS,
    "CAM-023": "Hanwha Vision",
    "CAM-024": "Hanwha Vision",
    "CAM-025": "Hanwha Vision",
    "CAM-026": "Bosch",
    "CAM-027": "Bosch",
    "CAM-028": "Uniview",
    "CAM-029": "Uniview",
    "CAM-030": "Motorola Solutions (Avigilon)",
    "CAM-031": "Vivotek",
    "CAM-032": "Mobotix",
    "CAM-033": "Pelco",
    "CAM-034": "Sony",
    "CAM-035": "Panasonic (i-PRO)",
    "CAM-036": "Milesight",
    "CAM-037": "Reolink",
    "CAM-038": "Tiandy",
    "CAM-039": HIK,
    "CAM-040": AXIS,
    "NVR-041": HIK,
    "CAM-042": HIK,
    "CAM-043": DAHUA,
    "DVR-044": HIK,
    "NVR-045": HIK,
    "CAM-046": HIK,
    "CAM-047": DAHUA,
    "DB-048": DAHUA,
    "NVR-049": DAHUA,
    "CAM-050": HIK,
    "CAM-051": HIK,
    "CAM-052": HIK,
    "CAM-053": DAHUA,
    "CAM-054": "Hanwha Vision",
    "CAM-055": "Bosch",
    "CAM-056": AXIS,
    "NVR-057": "Uniview",
    "CAM-058": "Motorola Solutions (Avigilon)",
    "CAM-059": HIK,
    "NVR-060": DAHUA,
}


def _rows(evidence: list[Evidence]) -> dict[str, Evidence]:
    return {json.loads(e.payload)["asset_id"]: e for e in evidence}


def _xlsx_from_csv(source: Path, target: Path, *, sheet: str = "Register") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    with source.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            ws.append(row)
    book.create_sheet("Notes").append(["Prepared by Facilities, reviewed quarterly"])
    book.save(target)
    return target


@pytest.fixture(scope="module")
def xlsx_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _xlsx_from_csv(REGISTER, tmp_path_factory.mktemp("xlsx") / "register.xlsx")


def test_every_csv_row_resolves_to_its_maker(identifier: Identifier) -> None:
    rows = _rows(list(RegisterImporter().read(REGISTER)))
    assert set(rows) == set(EXPECTED)  # 60 rows: title rows, blank rows, repeated header skipped
    wrong = {
        tag: identifier.identify([ev]).manufacturer
        for tag, ev in rows.items()
        if identifier.identify([ev]).manufacturer != EXPECTED[tag]
    }
    assert wrong == {}


def test_every_xlsx_row_resolves_to_its_maker(identifier: Identifier, xlsx_register: Path) -> None:
    assert detect_format(xlsx_register) == "register"
    rows = _rows(list(RegisterImporter().read(xlsx_register)))
    assert set(rows) == set(EXPECTED)
    for tag, ev in rows.items():
        assert identifier.identify([ev]).manufacturer == EXPECTED[tag], tag
    assert rows["CAM-001"].source == "import:register register.xlsx:Register!5"


def test_rows_use_canonical_columns_and_keep_the_others() -> None:
    rows = _rows(list(RegisterImporter().read(REGISTER)))
    first = json.loads(rows["CAM-001"].payload)
    assert first == {
        "asset_id": "CAM-001",
        "location": "Town Hall - main entrance",
        "make": "Hikvision",
        "model": "DS-2CD2143G2-I",
        "description": "4MP AcuSense dome",
        "serial": "DS-2CD2143G2-I20221014AAWRJ12345678",
        "mac": "44:19:b6:2a:10:01",
        "ip": "10.40.1.11",
        "install_date": "2022-11-03",
        "Supplier": "Secure Systems Ltd",
    }
    assert (rows["CAM-001"].ip, rows["CAM-001"].mac) == ("10.40.1.11", "44:19:b6:2a:10:01")
    assert rows["CAM-004"].mac == "44:19:b6:2a:10:04"  # Cisco dotted form
    assert rows["CAM-006"].ip is None  # "DHCP"
    assert rows["CAM-043"].mac is None  # "n/a"
    assert rows["CAM-001"].source == "import:register messy_register.csv:5"
    assert all(e.kind is EvidenceKind.ASSET_ROW for e in rows.values())


def _write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_header_spellings_and_delimiters(tmp_path: Path, identifier: Identifier) -> None:
    path = _write_csv(
        tmp_path / "semi.csv",
        [
            ["CAMERA REF", "Manufactuer", "MODEL_NO", "S/N", "MacAddress", "IPAddress", "Type"],
            ["C1", "HiLook", "IPC-B140H", "K12345678", "C0-56-E3-01-02-03", "10.1.1.1", "Bullet"],
            ["C2", "", "", "", "", "", "Hik 4MP dome"],
        ],
        delimiter=";",
    )
    first, second = RegisterImporter().read(path)
    row = json.loads(first.payload)
    assert row["asset_id"] == "C1" and row["serial"] == "K12345678" and row["type"] == "Bullet"
    assert identifier.identify([first]).brand == "HiLook"
    assert identifier.identify([first]).device_type.value == "camera"
    assert json.loads(second.payload)["description"] == "Hik 4MP dome"  # a Type column read as text
    assert identifier.identify([second]).manufacturer == "Hikvision"


def test_windows_1252_export(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes("Make,Model,Location\r\nDahua,IPC-HFW2431S,Caf\xe9 kiosk\r\n".encode("cp1252"))
    (ev,) = RegisterImporter().read(path)
    assert json.loads(ev.payload)["location"] == "Caf\u00e9 kiosk"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["Make", "MAC"], ["Hikvision", "44:19:B6:2A"]],
            r"row 2, column 'MAC': '44:19:B6:2A' is not a MAC address",
        ),
        (
            [["Model", "IP Address"], ["DS-2CD2143G2-I", "10.1.1.999"]],
            r"row 2, column 'IP Address': '10.1.1.999' is not an IP address",
        ),
        (
            [["Location", "Cost"], ["Depot", "120"]],
            r"no make, model or description column found .*'Location', 'Cost'",
        ),
    ],
)
def test_bad_cells_name_row_and_column(tmp_path: Path, rows: list[list[str]], message: str) -> None:
    path = _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(EvidenceFormatError, match=message):
        list(RegisterImporter().read(path))


def test_bad_cell_in_xlsx_names_sheet_and_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Site A"
    book.active.append(["Make", "Model", "MAC"])
    book.active.append(["Dahua", "IPC-HFW1230S", "not-a-mac"])
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(EvidenceFormatError, match=r"row Site A!2, column 'MAC'"):
        list(RegisterImporter().read(tmp_path / "bad.xlsx"))


def test_damaged_and_unsupported_spreadsheets(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(EvidenceFormatError, match="not a readable XLSX workbook"):
        list(RegisterImporter().read(broken))
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InputError, match=r"old Excel \(.xls\) files are not supported"):
        list(RegisterImporter().read(legacy))


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from camaudit.importers import register

    monkeypatch.setattr(register, "MAX_XLSX_PART", 1000)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "a" * 5000 + "</sst>")
    with pytest.raises(EvidenceFormatError, match="expands to 5011 bytes"):
        list(RegisterImporter().read(path))


def test_a_runaway_quoted_field_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('Make,Model\nHikvision,"DS-2CD' + "x" * 200_000 + "\n")
    with pytest.raises(EvidenceFormatError, match=r"row 2: unreadable CSV"):
        list(RegisterImporter().read(path))


_cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=24)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(_cell, max_size=8), max_size=12))
def test_arbitrary_csv_rows_raise_only_format_errors(tmp_path: Path, rows: list[list[str]]) -> None:
    path = _write_csv(tmp_path / "fuzz.csv", [["Make", "Model", "MAC", "IP", "Notes"], *rows])
    try:
        for ev in RegisterImporter().read(path):
            assert ev.kind is EvidenceKind.ASSET_ROW
    except EvidenceFormatError:
        pass


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_input_errors(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "fuzz.bin"
    path.write_bytes(blob)
    with contextlib.suppress(InputError):
        list(RegisterImporter().read(path))
