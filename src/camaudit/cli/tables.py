"""Tables that fit the terminal: columns chosen by priority until the width is used, one line per
row (no cell ever wraps), devices grouped by organisation and site instead of repeating them;
``--wide`` shows every column (at its full width, however wide that is)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from camaudit.models import Device, Identity
from camaudit.reports.first_screen import device_label
from camaudit.untrusted_text import visible

#: Characters a column costs beyond its text (padding 1 + 1 on each side, one border).
_COLUMN_COST = 3
#: The narrowest a shrinkable column is cut to before it is dropped instead.
_MIN_SHRUNK = 12


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, how important it is (0 = kept first), whether its text may be cut
    short (with an ellipsis) to make room, its style and alignment."""

    header: str
    priority: int
    shrink: bool = False
    style: str | None = None
    justify: str = "left"


def fit_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    title: str | None = None,
    wide: bool = False,
) -> Table:
    """A table of ``rows`` in ``width`` characters: the most important columns that fit, each
    at its text's width (a shrinkable column is cut short rather than dropped when it can keep
    at least a dozen characters); with ``wide`` every column, whole. Cells and title are
    device-supplied text: their control characters are shown escaped (``\\x1b``), never raw."""
    rows = [[visible(cell, terminal=True) for cell in r] for r in rows]
    if title is not None:  # its own line breaks (a heading over a group) kept
        title = "\n".join(visible(line, terminal=True) for line in title.split("\n"))
    natural = [max([len(c.header), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    chosen: dict[int, int] = {}  # column index -> width
    if wide:
        chosen = dict(enumerate(natural))
    else:
        used = 1
        for i in sorted(range(len(columns)), key=lambda k: columns[k].priority):
            if rows and not any(r[i] for r in rows):
                continue  # nothing to show in this column
            if columns[i].shrink:  # cut only the longest few values, not the column
                lengths = sorted(len(r[i]) for r in rows)
                typical = lengths[int(len(lengths) * 0.9)] if lengths else 0
                natural[i] = max(len(columns[i].header), min(natural[i], typical))
            need = natural[i] + _COLUMN_COST
            if used + need <= width:
                chosen[i] = natural[i]
                used += need
            elif columns[i].shrink and width - used - _COLUMN_COST >= _MIN_SHRUNK:
                chosen[i] = width - used - _COLUMN_COST
                used = width
        if not chosen:  # not even the first column fits: show it cut short
            first = min(range(len(columns)), key=lambda k: columns[k].priority)
            chosen[first] = max(1, width - 1 - _COLUMN_COST)
    order = sorted(chosen)
    total = 1 + sum(chosen[i] + _COLUMN_COST for i in order)
    table = Table(
        title=Text(title) if title is not None else None,  # text, never Rich markup
        title_justify="left",
        min_width=total if wide else None,
    )
    for i in order:
        c = columns[i]
        table.add_column(
            c.header,
            style=c.style,
            justify=c.justify,  # type: ignore[arg-type]
            no_wrap=True,
            overflow="fold" if wide else "ellipsis",
            min_width=chosen[i] if wide else None,
            max_width=None if wide else chosen[i],
        )
    for r in rows:
        table.add_row(*(Text(r[i]) for i in order))
    return table


def print_tables(console: Console, tables: Iterable[RenderableType], *, wide: bool) -> None:
    """Print tables; ``wide`` ones at their own width even past the terminal's edge."""
    group = Group(*tables)
    if not wide:
        console.print(group)
        return
    needed = max((getattr(t, "min_width", None) or 0 for t in group.renderables), default=0)
    before = console.width
    console.width = max(before, needed)  # print() cannot go past the console's width
    try:
        console.print(group, crop=False)
    finally:
        console.width = before


def maker_label(identity: Identity) -> str:
    """``Hikvision``, ``Hikvision (LTS)`` for a label, ``unknown``."""
    maker = identity.manufacturer or "unknown"
    if identity.brand and identity.brand != identity.manufacturer:
        return f"{maker} ({identity.brand})"
    return maker


def place(device: Device) -> str:
    """Where a device is: its location, else its site, else nothing."""
    return device.asset.get("location") or device.site or ""


def device_name(device: Device) -> str:
    """One device in a plan or a note: ``10.0.0.5 Hikvision DS-2CD2143G2-I, asset A-12 at
    Market St`` (what is known of it)."""
    return device_label(device)


DEVICE_COLUMNS = (
    Column("ip", 0),
    Column("asset", 4),
    Column("maker (label)", 1, shrink=True),
    Column("model", 3, shrink=True),
    Column("type", 5),
    Column("restricted", 2, style="bold red"),
    Column("location", 6, shrink=True),
    Column("firmware", 8),
    Column("mac", 7),
    Column("conf.", 9, justify="right"),
)
_WIDE_ONLY = (Column("org", 10), Column("site", 11))


def _device_row(d: Device, wide: bool) -> list[str]:
    i = d.identity
    restricted = ", ".join(r.policy for r in i.restricted) if wide else "yes"
    row = [
        d.ip or "",
        d.asset.get("asset_id") or "",
        maker_label(i),
        i.model or "",
        i.device_type.value,
        restricted if i.restricted else "",
        place(d),
        i.firmware or "",
        d.mac or "",
        f"{i.confidence:.2f}",
    ]
    return [*row, d.organisation, d.site or ""] if wide else row


def device_tables(
    devices: Sequence[Device], *, width: int, title: str, wide: bool = False
) -> list[Table]:
    """The devices as tables that fit ``width``: one per organisation and site (``wide``: one
    table with every column, organisation and site included)."""
    if wide or not devices:
        cols = (*DEVICE_COLUMNS, *_WIDE_ONLY) if wide else DEVICE_COLUMNS
        rows = [_device_row(d, wide) for d in devices]
        return [fit_table(cols, rows, width=width, title=title, wide=wide)]
    groups: dict[tuple[str, str], list[Device]] = {}
    for d in devices:
        groups.setdefault((d.organisation, d.site or ""), []).append(d)
    tables = []
    for n, ((org, site), members) in enumerate(sorted(groups.items())):
        head = f"{org} · {site}" if site else f"{org} · no site"
        label = f"{head}: {len(members)} device{'s' if len(members) != 1 else ''}"
        if n == 0 and len(groups) > 1:
            label = f"{title}\n{label}"
        elif len(groups) == 1:
            label = f"{title} ({head})"
        rows = [_device_row(d, False) for d in members]
        tables.append(fit_table(DEVICE_COLUMNS, rows, width=width, title=label))
    return tables


IDENTITY_COLUMNS = (
    Column("input", 0, shrink=True),
    Column("maker (label)", 1),
    Column("model", 2, shrink=True),
    Column("firmware", 5),
    Column("type", 4),
    Column("conf.", 6, justify="right"),
    Column("restricted", 3, style="bold red"),
)


def identity_rows(rows: Iterable[tuple[str, Identity]], wide: bool) -> list[list[str]]:
    return [
        [
            name,
            maker_label(i),
            i.model or "",
            i.firmware or "",
            i.device_type.value,
            f"{i.confidence:.2f}",
            (", ".join(r.policy for r in i.restricted) if wide else "yes") if i.restricted else "",
        ]
        for name, i in rows
    ]
