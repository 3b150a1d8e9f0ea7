"""A register file that is not a readable XLSX workbook ends in one line of our own wording and
exit 2: no traceback, no openpyxl/zipfile exception text, nothing stored."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Make", "Model"])
    sheet.append(["Hikvision", "DS-2CD2143G2-I"])
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


def _no_sheets() -> bytes:
    """A workbook whose workbook part lists no sheet (openpyxl then has no worksheets)."""
    src = zipfile.ZipFile(io.BytesIO(_workbook()))
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                start, end = data.index(b"<sheets>"), data.index(b"</sheets>") + len(b"</sheets>")
                data = data[:start] + b"<sheets/>" + data[end:]
            out.writestr(item, data)
    return raw.getvalue()


def _encrypted() -> bytes:
    """An OLE compound file laid out as Office writes a password-protected workbook: a root
    entry and the EncryptionInfo and EncryptedPackage streams (their contents made up)."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0) + struct.pack("<I", free) * 108
    )  # fmt: skip
    fat = struct.pack("<4I", fat_sector, end, end, end) + struct.pack("<I", free) * 124

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, right, child) + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )  # fmt: skip

    directory = (
        entry("Root Entry", 5, 1, free, end, 0)
        + entry("EncryptionInfo", 2, free, 2, 2, 512)
        + entry("EncryptedPackage", 2, free, free, 3, 512)
        + b"\0" * 128
    )
    return header + fat + directory + b"\x04\x00\x04\x00" + b"\x5a" * 508 + b"\xa5" * 512


def _unknown_method() -> bytes:
    """A workbook whose parts name a compression method nobody knows."""
    data = bytearray(_workbook())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        data[at + 10 : at + 12] = b"\xff\xff"
        at += 4
    return bytes(data)


#: case -> (file name, bytes, words the one line must hold)
CASES = {
    "corrupt-zip": ("reg.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8, "damaged or cut short"),
    "renamed-not-xlsx": ("reg.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "not an XLSX workbook"),
    "truncated": ("reg.xlsx", _workbook()[:1500], "damaged or cut short"),
    "encrypted": ("reg.xlsx", _encrypted(), "password-protected"),
    "no-sheets": ("reg.xlsx", _no_sheets(), "no worksheets"),
    "plain-zip": ("reg.xlsx", b"", "not an XLSX workbook"),
    "unknown-compression": ("reg.xlsx", _unknown_method(), "not a readable XLSX workbook"),
    "encrypted-any-name": ("register.bin", _encrypted(), "password-protected"),
}


def _plain_zip() -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return raw.getvalue()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_xlsx_is_one_line_exit_2(cli, tmp_path: Path, case: str) -> None:
    name, data, words = CASES[case]
    path = tmp_path / name
    path.write_bytes(data or _plain_zip())
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    r = cli("import", "register", str(path), "--db", db, "--org", "C", "--quiet")
    assert r.code == 2, (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert words in lines[0] and str(path) in lines[0]
    assert "Traceback" not in r.err and "internal error" not in r.err
    for foreign in ("File is not a zip file", "There is no item named", "BadZipFile", "KeyError"):
        assert foreign not in r.err
    assert "(" not in lines[0].split(str(path), 1)[1], lines[0]  # no exception text in brackets
    devices = cli("devices", "--db", db, "--json")
    assert devices.out.strip() in ("", "[]"), devices.out
