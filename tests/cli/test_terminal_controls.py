"""Control characters a hostile device sends (terminal escapes, CR, backspace, NUL, C1, a
right-to-left override) never reach a terminal raw: `camaudit devices` (narrow and --wide)
shows them escaped, ``\\x1b``, ``\\u202e``; the shared :func:`visible` decides for pages too."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from camaudit.cli import common
from camaudit.identify import Identifier
from camaudit.store import Store
from camaudit.untrusted_text import visible
from tests.figures import record
from tests.reports.estate import build_estate

HOSTILE = "cam\x1b[2J\x1b[31mred\x07\x08\r\x00\x9b31m\u202egnp.exe\nsecond"
MARKUP = " [red]site[/red]"  # shown as typed: a title is text, never Rich markup
RAW = ("\x1b", "\x07", "\x08", "\r", "\x00", "\x9b", "\u202e")


def test_visible_escapes_for_terminals_and_replaces_for_pages() -> None:
    shown = visible(HOSTILE, terminal=True)
    assert shown == "cam\\x1b[2J\\x1b[31mred\\x07\\x08\\r\\x00\\x9b31m\\u202egnp.exe\\nsecond"
    page = visible(HOSTILE)
    assert not any(c in page for c in RAW)
    assert "\n" in page and page.count("\ufffd") == 8
    assert visible("DS-2CD2143G2-I <b>&", terminal=True) == "DS-2CD2143G2-I <b>&"


@pytest.fixture
def hostile_db(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    device = build_estate(Identifier())[0]
    ident = dataclasses.replace(device.identity, model=HOSTILE, firmware=HOSTILE)
    device = dataclasses.replace(device, identity=ident, site=HOSTILE + MARKUP)
    with Store.open(db) as store:
        store.save_device(device, [], None)
    return db


@pytest.mark.parametrize("wide", [False, True])
def test_devices_table_shows_controls_escaped(
    cli, hostile_db: str, monkeypatch: pytest.MonkeyPatch, wide: bool
) -> None:
    monkeypatch.setattr(common.console, "width", 200)
    r = cli("devices", "--db", hostile_db, *(["--wide"] if wide else []))
    assert r.code == 0, r
    assert not [c for c in RAW if c in r.out], repr(r.out)
    assert "\\x1b[2J" in r.out and "\\u202e" in r.out
    assert MARKUP.strip() in r.out
    record("injection_controls", output="devices" + (" --wide" if wide else ""), live=0)
