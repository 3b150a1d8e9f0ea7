"""The ``cyclonedx`` format: a CycloneDX 1.6 hardware bill of materials (JSON).

Each device is a ``device`` component: ``manufacturer`` is who built it, ``supplier`` the label it
is sold under when that differs (an OEM brand), ``name`` the model; its firmware is a nested
``firmware`` component. Where and what was seen travels as ``camaudit:*`` properties: address,
MAC, serial, site, type, confidence, ``camaudit:restriction:<policy>``, the evidence chain as
``camaudit:evidence:<nnn>:{kind,rule,field,matched,sha256}``, notes and findings.
"""

from __future__ import annotations

import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6

from camaudit.models import Device, Finding
from camaudit.reports.context import DeviceEntry, ReportData, build_report_data
from camaudit.reports.summary import UNKNOWN

PREFIX = "camaudit"
_BOM_NAMESPACE = uuid.UUID("4f0d2a86-5a7e-4c31-9e53-2b1f6f3a9c10")


def _camaudit_version() -> str:
    try:
        return version("camaudit")
    except PackageNotFoundError:
        return "0+unknown"


def _props(pairs: list[tuple[str, object]]) -> list[Property]:
    return [Property(name=f"{PREFIX}:{k}", value=str(v)) for k, v in pairs if v not in (None, "")]


def _device_properties(entry: DeviceEntry) -> list[Property]:
    d = entry.device
    ident = d.identity
    pairs: list[tuple[str, object]] = [
        ("device_key", d.key),
        ("org", d.organisation),
        ("site", d.site),
        ("asset_id", d.asset.asset_id),
        ("location", d.asset.where()),
        ("ip", d.ip),
        ("mac", d.mac or ident.mac),
        ("serial", ident.serial or d.identifiers.get("serial")),
        ("manufacturer", ident.manufacturer or UNKNOWN),
        ("brand", ident.brand),
        ("device_type", ident.device_type.value),
        ("confidence", f"{ident.confidence:.3f}"),
        ("first_seen", d.first_seen.isoformat() if d.first_seen else None),
        ("last_seen", d.last_seen.isoformat() if d.last_seen else None),
    ]
    pairs += [(f"restriction:{r.policy}", r.reason) for r in ident.restricted]
    # Zero-padded indexes keep each group together once the library sorts properties by name.
    for n, ref in enumerate(ident.evidence):
        pairs += [
            (f"evidence:{n:03d}:kind", ref.kind),
            (f"evidence:{n:03d}:rule", ref.rule),
            (f"evidence:{n:03d}:field", ref.field),
            (f"evidence:{n:03d}:matched", ref.matched),
            (f"evidence:{n:03d}:sha256", ref.sha256),
        ]
    pairs += [(f"note:{n:03d}", note) for n, note in enumerate(ident.notes)]
    for n, f in enumerate(entry.findings):
        pairs += [
            (f"finding:{n:03d}:policy", f.policy),
            (f"finding:{n:03d}:severity", f.severity.value),
            (f"finding:{n:03d}:title", f.title),
        ]
    return _props(pairs)


def device_component(entry: DeviceEntry, bom_ref: str) -> Component:
    """The CycloneDX component for one device (firmware nested inside)."""
    ident = entry.device.identity
    maker = OrganizationalEntity(name=ident.manufacturer) if ident.manufacturer else None
    label = (
        OrganizationalEntity(name=ident.brand)
        if ident.brand and ident.brand != ident.manufacturer
        else None
    )
    kind = ident.device_type.value
    name = ident.model or (
        f"{ident.manufacturer} {kind}" if ident.manufacturer else f"{kind} device"
    )
    firmware = []
    if ident.firmware:
        firmware.append(
            Component(
                type=ComponentType.FIRMWARE,
                name=f"{ident.model or ident.manufacturer or 'device'} firmware",
                version=ident.firmware,
                bom_ref=f"{bom_ref}#firmware",
                manufacturer=maker,
            )
        )
    where = ", ".join(x for x in (entry.device.site, entry.device.ip) if x)
    return Component(
        type=ComponentType.DEVICE,
        name=name,
        bom_ref=bom_ref,
        manufacturer=maker,
        supplier=label,
        description=f"{kind} at {where}" if where else kind,
        properties=_device_properties(entry),
        components=firmware,
    )


def build_bom(data: ReportData) -> Bom:
    """The hardware BOM of every device in ``data``; its serial number is derived from the
    report's org and time, so the same report gives the same BOM."""
    meta = data.meta
    tool = Component(type=ComponentType.APPLICATION, name="camaudit", version=_camaudit_version())
    metadata = BomMetaData(
        tools=ToolRepository(components=[tool]),
        timestamp=meta.generated,
        properties=_props(
            [
                ("org", meta.org),
                ("database", meta.database),
                *(("audit", a) for a in meta.audits),
                ("devices", data.summary.devices),
                ("restricted", data.summary.restricted),
            ]
        ),
    )
    seen: set[str] = set()
    components = []
    for entry in data.entries:
        ref = entry.key
        n = 1
        while ref in seen:
            n += 1
            ref = f"{entry.key}#{n}"
        seen.add(ref)
        components.append(device_component(entry, ref))
    serial = uuid.uuid5(_BOM_NAMESPACE, f"{meta.org}|{meta.generated.isoformat()}")
    return Bom(serial_number=serial, metadata=metadata, components=components)


def write_cyclonedx(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the CycloneDX 1.6 JSON hardware BOM."""
    bom = build_bom(build_report_data(devices, findings, meta))
    path.write_text(JsonV1Dot6(bom).output_as_string(indent=2) + "\n", encoding="utf-8")
