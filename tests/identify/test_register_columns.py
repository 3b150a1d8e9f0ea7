"""Register rows: model columns that hold several codes, and supplier columns."""

from __future__ import annotations

import json

import pytest

from camaudit.identify import Identifier
from camaudit.models import EvidenceKind
from tests.identify.conftest import maker_of


def _row(ident: Identifier, **columns: str) -> str | None:
    return maker_of(ident, EvidenceKind.ASSET_ROW, json.dumps(columns))


@pytest.mark.parametrize(
    ("model", "maker"),
    [
        ("C800 I91BM", "Hikvision"),  # a retail name and the internal code beside it
        ("DS-2CD2143G2-I", "Hikvision"),  # one code: read by the column's own rule
        ("IPC-HFW2431S-S-S2", "Dahua"),
        ("Bullet 4MP", None),  # words only: nothing to read
    ],
)
def test_model_column_is_read_code_by_code_when_it_names_no_maker(
    ident: Identifier, model: str, maker: str | None
) -> None:
    assert _row(ident, model=model, location="Car park") == maker


def test_supplier_column_names_the_maker_only_when_it_is_one(ident: Identifier) -> None:
    assert _row(ident, supplier="Hikvision", quantity="47 static cameras") == "Hikvision"
    assert _row(ident, supplier="Dahua Technology UK Ltd") == "Dahua"
    assert _row(ident, supplier="Northern Security Systems Ltd", quantity="40") is None
    # an installer column is not a supplier column
    assert _row(ident, installer="Hikvision", quantity="12") is None
