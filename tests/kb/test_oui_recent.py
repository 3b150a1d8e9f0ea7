"""MA-L blocks newer than the bundled IEEE registry (kb/oui_recent.yaml): loaded, checked, read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from camaudit.errors import KnowledgeBaseError
from camaudit.identify import Identifier
from camaudit.kb import KB_DIR, load_kb, load_kb_from
from camaudit.models import Evidence, EvidenceKind

FIXTURE = Path(__file__).parents[1] / "identify" / "kb_fixture"


def _kb_with(tmp_path: Path, blocks: str) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURE, dst)
    (dst / "oui_recent.yaml").write_text(f"source: test listing\nblocks:\n{blocks}")
    return dst


def _maker(ident: Identifier, mac: str) -> str | None:
    return ident.identify([Evidence(EvidenceKind.MAC, mac.encode())]).manufacturer


def test_the_shipped_blocks_name_their_makers():
    kb = load_kb()
    assert kb.recent_blocks, "oui_recent.yaml ships blocks"
    ident = Identifier()
    # Blocks registered after netaddr 1.3.0's snapshot (Hikvision 00:BC:99, Dahua 40:7A:A4,
    # EZVIZ 0C:A6:4C, a label of Hikvision's).
    assert _maker(ident, "00:bc:99:12:34:56") == "Hikvision"
    assert _maker(ident, "40:7a:a4:c8:92:04") == "Dahua"
    got = ident.identify([Evidence(EvidenceKind.MAC, b"0c:a6:4c:00:11:22")])
    assert (got.manufacturer, got.brand) == ("Hikvision", "EZVIZ")
    assert "oui_recent.yaml" in ident.oui.source


def test_the_registry_wins_over_a_block(tmp_path):
    # C4:2F:90 is Hikvision's in the bundled registry: a block saying otherwise is ignored.
    kb_dir = _kb_with(
        tmp_path,
        "  - {prefix: C42F90, registrant: Example Networks, maker: Dahua}\n"
        "  - {prefix: 0CB0C0, registrant: Example Networks, maker: Dahua}\n",
    )
    kb = load_kb_from(kb_dir)
    ident = Identifier(kb)
    assert _maker(ident, "c4:2f:90:11:22:33") == "Hikvision"
    assert ident.oui.lookup("0c:b0:c0:00:00:01").registrant == "Example Networks"
    assert _maker(ident, "0c:b0:c0:00:00:01") == "Dahua"


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ("  - {prefix: 0CB0C0, registrant: X, maker: Nobody}\n", "unknown maker 'Nobody'"),
        (
            "  - {prefix: 0CB0C0, registrant: X, maker: Dahua}\n"
            "  - {prefix: 0CB0C0, registrant: Y, maker: Dahua}\n",
            "block 0CB0C0 is listed twice",
        ),
        ("  - {prefix: 0cb0c0, registrant: X, maker: Dahua}\n", "prefix"),
    ],
)
def test_bad_blocks_are_refused_with_a_clear_message(tmp_path, blocks, message):
    with pytest.raises(KnowledgeBaseError, match=message):
        load_kb_from(_kb_with(tmp_path, blocks))


def test_the_shipped_file_lists_only_blocks_the_registry_lacks():
    from camaudit.identify.oui import load_oui_index

    bundled = load_oui_index().tables[6]
    kb = load_kb_from(KB_DIR)
    assert not [p for p in kb.recent_blocks if p in bundled]
