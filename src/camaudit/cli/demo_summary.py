"""The demo's summary: each device against the lab's ground truth, and for every OEM label how
it was seen through to its maker (the KB link, and the evidence that named the maker)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from camaudit.cli.tables import Column, fit_table, print_tables
from camaudit.kb import load_kb
from camaudit.models import Device, EvidenceRef
from camaudit.untrusted_text import visible

_COLUMNS = (
    Column("address", 0),
    Column("label", 1),
    Column("maker", 2),
    Column("model", 4, shrink=True),
    Column("restricted", 3, style="bold red"),
    Column("truth", 5),
)
_RELATION = {
    "subsidiary": "subsidiary of",
    "house-brand": "house brand of",
    "oem": "OEM label of",
    "former-subsidiary": "former subsidiary of",
    "component": "built on components of",
    "affiliate": "affiliate of",
}
_MAKER_PROTOCOLS = frozenset({"sadp", "isapi", "dhip", "dahua_cgi"})
#: Evidence cited per label (the first distinct rules of the identity's chain).
CITED = 3


def _telling(ref: EvidenceRef) -> int:
    """How directly a reference names the maker: model grammar, maker-only protocols, MAC."""
    if ref.rule.startswith("model."):
        return 0
    if ref.kind in _MAKER_PROTOCOLS:
        return 1
    return 2 if ref.kind == "mac" or "oui" in ref.rule else 3


def _cited(refs: Sequence[EvidenceRef]) -> str:
    seen: dict[str, str] = {}
    for ref in sorted(refs, key=_telling):
        key = ref.rule if ref.rule.startswith("model.") else ref.kind  # one per protocol
        if key not in seen and ref.matched:
            seen[key] = f"{ref.rule} {ref.matched[:40]!r} ({ref.kind})"
        if len(seen) >= CITED:
            break
    return "; ".join(seen.values()) or "no rule recorded"


def label_lines(devices: Sequence[Device]) -> list[tuple[str, str]]:
    """Per OEM-labelled device: (label → maker and the KB link, the evidence that said so)."""
    kb = load_kb()
    lines: list[tuple[str, str]] = []
    for d in sorted(devices, key=lambda d: (d.identity.brand or "", d.ip or "")):
        ident = d.identity
        if not (ident.manufacturer and ident.brand and ident.brand != ident.manufacturer):
            continue
        link = kb.brands.get(ident.brand)
        how = (
            f"{_RELATION.get(link.relation, link.relation)} {link.manufacturer} "
            f"({link.confidence} confidence)"
            if link
            else "label not linked in the KB"
        )
        lines.append(
            (
                f"{ident.brand} {ident.model or ''} ({d.ip}) → {ident.manufacturer}: {how}",
                f"seen in {_cited(ident.evidence)}",
            )
        )
    return lines


def _address_order(d: Device) -> tuple[int, str]:
    try:
        return (int(ipaddress.ip_address(d.ip or "")), "")
    except ValueError:
        return (-1, d.key)


def print_demo_summary(
    console: Console,
    devices: Sequence[Device],
    truth: Mapping[str, tuple[str | None, str | None]],
) -> None:
    """``truth``: address → (maker, label) the lab emulated."""
    rows = []
    for d in sorted(devices, key=_address_order):
        ident = d.identity
        maker, label = truth.get(d.ip or "", (None, None))
        ok = "right" if maker and ident.manufacturer == maker else ("wrong" if maker else "")
        rows.append(
            [
                d.ip or "",
                ident.brand or "",
                ident.manufacturer or "unknown",
                ident.model or "",
                "yes" if ident.restricted else "",
                f"{ok} ({label})"
                if label and maker and label.casefold() != maker.casefold()
                else ok,
            ]
        )
    restricted = sum(1 for d in devices if d.identity.restricted)
    title = f"Demo estate: {len(devices)} devices, {restricted} from restricted vendors"
    print_tables(console, [fit_table(_COLUMNS, rows, width=console.width, title=title)], wide=False)
    lines = label_lines(devices)
    if lines:
        console.print("How each label was seen through to its maker:", highlight=False)
        for head, seen in lines:
            console.print(
                Padding(Text(visible(head, terminal=True)), (0, 0, 0, 2), expand=False),
                highlight=False,
            )
            console.print(
                Padding(
                    Text(visible(seen, terminal=True), style="dim"), (0, 0, 0, 6), expand=False
                ),
                highlight=False,
            )
