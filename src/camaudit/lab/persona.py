"""Personas: how one kind of device answers, as data (``lab/personas/*.yaml``).

A persona names the maker and label, the models and firmware to draw from, MAC prefixes, a serial
template, default credentials, the ports it serves and one section per protocol (``http:``,
``tls:``, ``rtsp:``, ``onvif:``, ``sadp:``, ``dhip:``, ``ssdp:``, ``mdns:``, ``ftp:``,
``telnet:``), and for hostile personas ``hostile:`` (ports that misbehave on purpose, see
:mod:`camaudit.lab.hostile_spec`). A file may start from another persona with ``extends:``
(see :mod:`camaudit.lab.persona_inherit`). Variables (``vars:``) give each device its own
strings; they can be overridden per firmware era (``eras:``, matched by regex on the firmware),
per model and per firmware entry, and ``firmware_pattern`` named groups become variables too.
Any name overridden in an era, model or firmware entry must also be declared in ``vars:`` (its
default), so every device has every variable.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from camaudit.errors import LabError
from camaudit.lab import persona_inherit
from camaudit.lab.banner_spec import parse_ftp_spec, parse_telnet_spec
from camaudit.lab.discovery_spec import (
    parse_dhip_spec,
    parse_mdns_spec,
    parse_sadp_spec,
    parse_ssdp_spec,
)
from camaudit.lab.hostile_spec import HostileSpec, parse_hostile_spec
from camaudit.lab.http_spec import HttpSpec, parse_http_spec
from camaudit.lab.onvif_spec import parse_onvif_spec
from camaudit.lab.rtsp_spec import parse_rtsp_spec
from camaudit.lab.templates import resolve_vars, unknown_names
from camaudit.lab.tls_spec import parse_tls_spec

_T = TypeVar("_T")
PERSONA_DIR = Path(__file__).parent / "personas"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_OUI = re.compile(r"^[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$")
DEVICE_TYPES = (
    "camera",
    "nvr",
    "dvr",
    "encoder",
    "ptz",
    "thermal",
    "doorbell",
    "access-control",
    "other",
    "unknown",
)
# Names every device context has (fleet.py fills them); persona vars may not reuse them.
IDENTITY_NAMES = frozenset(
    "model firmware mac mac_upper mac_plain mac_plain_lower mac_dash ip manufacturer brand "  # noqa: SIM905
    "device_type persona uuid gateway model_url".split()
)
# Names filled per request by the protocol servers (not usable inside vars).
REQUEST_NAMES = frozenset(
    "nonce stale path target method host port date_http date_ctime epoch epoch_ms "  # noqa: SIM905
    "peer url cseq session_id".split()
)
SectionParser = Callable[[Any, str], Any]
# Protocol sections a persona may carry, with their parsers.
SECTION_PARSERS: dict[str, SectionParser] = {
    "http": parse_http_spec,
    "tls": parse_tls_spec,
    "rtsp": parse_rtsp_spec,
    "onvif": parse_onvif_spec,
    "sadp": parse_sadp_spec,
    "dhip": parse_dhip_spec,
    "ssdp": parse_ssdp_spec,
    "mdns": parse_mdns_spec,
    "ftp": parse_ftp_spec,
    "telnet": parse_telnet_spec,
    "hostile": parse_hostile_spec,
}
# A port of this protocol needs these sections (the https app is the http one over TLS).
PORT_SECTIONS: dict[str, tuple[str, ...]] = {
    "http": ("http",),
    "https": ("http", "tls"),
    "rtsp": ("rtsp",),
    "onvif": ("onvif",),
    "wsd": ("onvif",),
    "sadp": ("sadp",),
    "dhip": ("dhip",),
    "ssdp": ("ssdp",),
    "mdns": ("mdns",),
    "ftp": ("ftp",),
    "telnet": ("telnet",),
}
_BASE_KEYS = frozenset(
    "id description manufacturer brand device_type rotation models firmware firmware_pattern "  # noqa: SIM905
    "eras oui serial credentials ports vars".split()
)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    vars: Mapping[str, str] = field(default_factory=dict)
    firmware: tuple[str, ...] | None = None  # restrict to these firmware versions


@dataclass(frozen=True, slots=True)
class FirmwareSpec:
    version: str
    vars: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Era:
    firmware: re.Pattern[str]
    vars: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str | None = None  # None: the fleet generates one per device


@dataclass(frozen=True, slots=True)
class Persona:
    id: str
    manufacturer: str | None
    brand: str | None
    device_type: str
    models: tuple[ModelSpec, ...]
    firmware: tuple[FirmwareSpec, ...]
    oui: tuple[str, ...]
    serial: str
    credentials: Credentials
    ports: Mapping[str, int]
    vars: Mapping[str, str] = field(default_factory=dict)
    eras: tuple[Era, ...] = ()
    firmware_pattern: re.Pattern[str] | None = None
    rotation: int | None = None
    description: str = ""
    sections: Mapping[str, Any] = field(default_factory=dict)

    @property
    def http(self) -> HttpSpec | None:
        spec = self.sections.get("http")
        return spec if isinstance(spec, HttpSpec) else None

    @property
    def hostile(self) -> HostileSpec | None:
        """The misbehaving ports of a hostile persona (None for a well-behaved one)."""
        spec = self.sections.get("hostile")
        return spec if isinstance(spec, HostileSpec) else None

    def spec(self, name: str, kind: type[_T]) -> _T:
        """The parsed ``name`` section; LabError if the persona has none (or of another kind)."""
        section = self.sections.get(name)
        if not isinstance(section, kind):
            raise LabError(f"persona {self.id} has no {name}: section")
        return section

    def firmware_for(self, model: ModelSpec) -> tuple[FirmwareSpec, ...]:
        if model.firmware is None:
            return self.firmware
        return tuple(f for f in self.firmware if f.version in model.firmware)

    def var_templates(self, model: ModelSpec, firmware: FirmwareSpec) -> dict[str, str]:
        """Layered variable templates: vars < matching eras (in order) < model < firmware."""
        merged: dict[str, str] = dict(self.vars)
        for era in self.eras:
            if era.firmware.search(firmware.version):
                merged.update(era.vars)
        merged.update(model.vars)
        merged.update(firmware.vars)
        if self.firmware_pattern is not None:
            match = self.firmware_pattern.match(firmware.version)
            if match is not None:
                merged.update({k: v for k, v in match.groupdict().items() if v is not None})
        return merged

    def templates(self) -> Iterator[str]:
        yield self.serial
        for section in self.sections.values():
            section_templates = getattr(section, "templates", None)
            if callable(section_templates):
                yield from section_templates()


def _fail(where: str, message: str) -> LabError:
    return LabError(f"persona {where}: {message}")


def _str_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(where, "expected a mapping of strings")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise _fail(f"{where}.{key}", "expected a string")
        out[str(key)] = str(item)
    return out


def mapping_keys(value: Any) -> list[str]:
    """The keys of a mapping (nothing for anything else; its parser reports the problem)."""
    return [str(key) for key in value] if isinstance(value, Mapping) else []


def _required_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{key} must be a non-empty string")
    return value


def _optional_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    if data.get(key) is None:
        return None
    return _required_str(data, key, where)


def _models(raw: Any, where: str) -> tuple[ModelSpec, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "models must be a non-empty list")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            out.append(ModelSpec(name=item))
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("model"), str):
            raise _fail(f"{where}.models[{i}]", "expected a string or {model: ..., vars: ...}")
        fw = item.get("firmware")
        if fw is not None and (not isinstance(fw, list) or not all(isinstance(v, str) for v in fw)):
            raise _fail(f"{where}.models[{i}]", "firmware must be a list of versions")
        out.append(
            ModelSpec(
                name=item["model"],
                vars=_str_map(item.get("vars"), f"{where}.models[{i}].vars"),
                firmware=None if fw is None else tuple(fw),
            )
        )
    return tuple(out)


def _firmware(raw: Any, where: str) -> tuple[FirmwareSpec, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "firmware must be a non-empty list")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            out.append(FirmwareSpec(version=item))
        elif isinstance(item, Mapping) and isinstance(item.get("version"), str):
            vars_ = _str_map(item.get("vars"), f"{where}.firmware[{i}].vars")
            out.append(FirmwareSpec(version=item["version"], vars=vars_))
        else:
            raise _fail(f"{where}.firmware[{i}]", "expected a string or {version: ..., vars: ...}")
    return tuple(out)


def _regex(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise _fail(where, "expected a regular expression string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise _fail(where, f"bad regular expression: {exc}") from exc


def parse_persona(data: Any, where: str = "<data>") -> Persona:
    """Build and check a :class:`Persona` from parsed YAML; raise LabError on any problem."""
    if not isinstance(data, Mapping):
        raise _fail(where, "expected a mapping at the top level")
    unknown = set(data) - _BASE_KEYS - set(SECTION_PARSERS)
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    pid = _required_str(data, "id", where)
    if not _ID.match(pid):
        raise _fail(where, f"id {pid!r} must be lower-case letters, digits and dashes")
    where = pid
    device_type = _required_str(data, "device_type", where)
    if device_type not in DEVICE_TYPES:
        raise _fail(where, f"device_type must be one of {DEVICE_TYPES}")
    ouis = data.get("oui")
    if not isinstance(ouis, list) or not ouis:
        raise _fail(where, "oui must be a non-empty list like ['C4:2F:90']")
    oui = tuple(str(o).upper().replace("-", ":") for o in ouis)
    for prefix in oui:
        if not _OUI.match(prefix):
            raise _fail(where, f"bad OUI {prefix!r} (want XX:XX:XX)")
    creds = data.get("credentials") or {}
    if not isinstance(creds, Mapping) or not isinstance(creds.get("username"), str):
        raise _fail(where, "credentials.username is required")
    password = creds.get("password")
    ports_raw = data.get("ports") or {}
    if not isinstance(ports_raw, Mapping):
        raise _fail(where, "ports must map protocol -> port")
    ports: dict[str, int] = {}
    for proto, port in ports_raw.items():
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise _fail(where, f"ports.{proto} must be a port number")
        ports[str(proto)] = port
    hostile_ports = set(mapping_keys(data.get("hostile")))
    for proto in ports:
        if proto in hostile_ports:
            continue  # served by a hostile behaviour, not by the protocol's own section
        missing = [name for name in PORT_SECTIONS.get(proto, ()) if name not in data]
        if missing:
            raise _fail(where, f"ports.{proto} needs the section(s) {missing}")
    stray = hostile_ports - set(ports)
    if stray:
        raise _fail(where, f"hostile: names ports {sorted(stray)} missing from ports:")
    rotation = data.get("rotation")
    if rotation is not None and (not isinstance(rotation, int) or isinstance(rotation, bool)):
        raise _fail(where, "rotation must be an integer or null")
    eras_raw = data.get("eras") or []
    if not isinstance(eras_raw, list):
        raise _fail(where, "eras must be a list")
    eras = []
    for i, era in enumerate(eras_raw):
        if not isinstance(era, Mapping):
            raise _fail(f"{where}.eras[{i}]", "expected {firmware: regex, vars: {...}}")
        eras.append(
            Era(
                firmware=_regex(era.get("firmware"), f"{where}.eras[{i}].firmware"),
                vars=_str_map(era.get("vars"), f"{where}.eras[{i}].vars"),
            )
        )
    sections = {
        name: parser(data[name], f"persona {pid}: {name}")
        for name, parser in SECTION_PARSERS.items()
        if name in data
    }
    persona = Persona(
        id=pid,
        manufacturer=_optional_str(data, "manufacturer", where),
        brand=_optional_str(data, "brand", where),
        device_type=device_type,
        models=_models(data.get("models"), where),
        firmware=_firmware(data.get("firmware"), where),
        oui=oui,
        serial=_required_str(data, "serial", where),
        credentials=Credentials(
            username=creds["username"], password=None if password is None else str(password)
        ),
        ports=ports,
        vars=_str_map(data.get("vars"), f"{where}.vars"),
        eras=tuple(eras),
        firmware_pattern=None
        if data.get("firmware_pattern") is None
        else _regex(data["firmware_pattern"], f"{where}.firmware_pattern"),
        rotation=rotation,
        description=str(data.get("description") or ""),
        sections=sections,
    )
    _check(persona)
    return persona


def _check(persona: Persona) -> None:
    """Cross-field checks: firmware lists, variable layering, template placeholders."""
    where = persona.id
    versions = {f.version for f in persona.firmware}
    declared = set(persona.vars)
    pattern_names: set[str] = set()
    if persona.firmware_pattern is not None:
        pattern_names = set(persona.firmware_pattern.groupindex)
        for version in versions:
            if not persona.firmware_pattern.match(version):
                raise _fail(where, f"firmware {version!r} does not match firmware_pattern")
    clash = (declared | pattern_names) & (IDENTITY_NAMES | REQUEST_NAMES)
    if clash:
        raise _fail(where, f"variables may not reuse reserved names {sorted(clash)}")
    for model in persona.models:
        if model.firmware is not None:
            missing = set(model.firmware) - versions
            if missing or not model.firmware:
                raise _fail(where, f"model {model.name}: firmware {sorted(missing)} not listed")
    overrides: list[tuple[str, Mapping[str, str]]] = [
        *((f"era {e.firmware.pattern!r}", e.vars) for e in persona.eras),
        *((f"model {m.name}", m.vars) for m in persona.models),
        *((f"firmware {f.version}", f.vars) for f in persona.firmware),
    ]
    for label, layer in overrides:
        undeclared = set(layer) - declared
        if undeclared:
            raise _fail(where, f"{label} sets {sorted(undeclared)}, not declared in vars:")
    port_names = {f"{proto}_port" for proto in persona.ports}
    known_build = IDENTITY_NAMES | declared | pattern_names | port_names | {"serial"}
    var_templates = [persona.serial, *persona.vars.values()]
    for _, layer in overrides:
        var_templates.extend(layer.values())
    bad = unknown_names(var_templates, known_build)
    if bad:
        raise _fail(where, f"variables or serial use unknown names {sorted(bad)}")
    bad = unknown_names(persona.templates(), known_build | REQUEST_NAMES)
    if bad:
        raise _fail(where, f"templates use unknown names {sorted(bad)}")
    dummy = {name: name for name in IDENTITY_NAMES | port_names}
    for model in persona.models:  # expands every layering once: finds reference cycles now
        for firmware in persona.firmware_for(model):
            raw = persona.var_templates(model, firmware)
            raw["serial"] = persona.serial
            try:
                resolve_vars(raw, dummy, random.Random(0))
            except LabError as exc:
                raise _fail(where, f"{model.name} / {firmware.version}: {exc}") from exc


def _parse_file(raw: Mapping[str, Mapping[str, Any]], file: Path) -> Persona:
    persona = parse_persona(persona_inherit.resolve(raw, file.stem), str(file))
    if persona.id != file.stem:
        raise LabError(f"persona file {file.name} declares id {persona.id!r}; they must agree")
    return persona


def load_persona_file(path: str | Path) -> Persona:
    """One persona file (an ``extends:`` parent is read from the same directory)."""
    file = Path(path)
    raw = {file.stem: persona_inherit.read_raw(file)}
    parent = raw[file.stem].get("extends")
    while isinstance(parent, str) and parent not in raw:
        parent_file = file.parent / f"{parent}.yaml"
        if not parent_file.exists():
            break  # resolve() names the missing persona
        raw[parent] = persona_inherit.read_raw(parent_file)
        parent = raw[parent].get("extends")
    return _parse_file(raw, file)


@functools.lru_cache(maxsize=8)
def _load_dir(directory: Path) -> dict[str, Persona]:
    files = sorted(directory.glob("*.yaml"))
    raw = {file.stem: persona_inherit.read_raw(file) for file in files}
    personas: dict[str, Persona] = {}
    for file in files:
        persona = _parse_file(raw, file)
        personas[persona.id] = persona
    if not personas:
        raise LabError(f"no persona files in {directory}")
    return personas


def load_personas(directory: str | Path | None = None) -> dict[str, Persona]:
    """All personas shipped with camaudit (or in ``directory``), keyed by id."""
    return dict(_load_dir(Path(directory) if directory is not None else PERSONA_DIR))


def rotation_order(personas: Mapping[str, Persona]) -> list[str]:
    """Persona ids used by the default fleet mix, in rotation order."""
    ranked = [p for p in personas.values() if p.rotation is not None]
    ranked.sort(key=lambda p: (p.rotation or 0, p.id))
    return [p.id for p in ranked]
