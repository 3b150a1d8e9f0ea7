"""The labelled third-party corpus (../shared/corpus): items and their expected makers."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

#: MANIFEST ``true_vendor`` labels → the canonical manufacturer we expect (None: no maker can be
#: named from the bytes; a white-label SoC stack). Labels not listed are canonical already.
LABELS: dict[str, str | None] = {
    "ANNKE": "Hikvision",  # Annke relabels Hikvision (facts.md §3.1); scored as Hikvision family
    "Avigilon": "Motorola Solutions (Avigilon)",
    "Dahua (OEM platform)": "Dahua",
    "Dahua (OEM)": "Dahua",
    "Dahua (OEM; inferred from DHIP)": "Dahua",
    "FLIR Systems (ex-DVTel)": "Teledyne FLIR",
    "Hanwha (Samsung Techwin/Wisenet) - inferred": "Hanwha Vision",
    "Hanwha Techwin": "Hanwha Vision",
    "Samsung (Techwin)": "Hanwha Vision",
    "Panasonic": "Panasonic (i-PRO)",
    "Panasonic (i-PRO)": "Panasonic (i-PRO)",
    "TVT (Shenzhen TVT Digital)": "TVT",
    "TVT (per capture filename)": "TVT",
    "Truen (OEM)": "Truen",
    "unknown white-label (MStar SoC, Shenzhen)": None,
}
#: Families whose recall must be 100% and that must never be claimed for other kit.
RESTRICTED_FAMILIES = ("Hikvision", "Dahua")


@dataclass(frozen=True, slots=True)
class CorpusItem:
    path: Path
    kind: str
    label: str
    brand: str
    expected: str | None
    notes: str

    @property
    def name(self) -> str:
        return str(self.path.relative_to(CORPUS))


def load_corpus(root: Path = CORPUS) -> list[CorpusItem]:
    """Every MANIFEST row whose file exists (empty when the corpus is absent)."""
    manifest = root / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    items = []
    with manifest.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = root / row["file"]
            if not path.exists():
                continue
            label = row["true_vendor"].strip()
            items.append(
                CorpusItem(
                    path,
                    row["kind"].strip(),
                    label,
                    row["true_brand_on_label"].strip(),
                    LABELS.get(label, label),
                    row.get("notes", ""),
                )
            )
    return items
