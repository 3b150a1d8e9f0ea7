"""The generic field extractor: canonical device fields from any structured text.

Whatever the protocol, devices describe themselves with a handful of fields under many names:
``Manufacturer``, ``manufacturer_name``, ``deviceVendor``, ``Hersteller``, ``厂商``... This module
maps every key name it sees (JSON keys, XML leaves, ``key=value`` and ``Key: value`` lines, Python,
Go or JS object dumps) onto canonical fields that the ``kind: any`` rules of the KB read:

``gen.manufacturer``, ``gen.model``, ``gen.firmware``, ``gen.serial``, ``gen.mac``,
``gen.hardware``, ``gen.device_type``, ``gen.name`` (a device or friendly name), ``gen.text``
(other short values with a digit, for the model-number grammar), ``gen.word`` (other short
values without one: a maker's name when exactly a KB name), plus ``sdp.<letter>`` (SDP lines: ``sdp.s``
session name, ``sdp.a`` attributes) and ONVIF scope fields (``scope``, ``scope.<type>``).

Key names are normalised (case folded, separators dropped: ``Firmware-Version``,
``firmware_version`` and ``FirmwareVersion`` are one key) and looked up in :data:`SYNONYMS`; a
``device``/``camera``/``product`` prefix or a ``name``/``info`` suffix is tried off too. Total:
never raises, bounded work per record.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import unquote

from camaudit.identify.extract.fields import Fields
from camaudit.identify.extract.markup import xml_attributes, xml_leaves

_MAX_PAIRS = 2000
_MAX_JSON = 256 * 1024
_MAX_VALUE = 200
_MAX_TEXT_VALUES = 64
_MAX_WORD = 40

#: Canonical field → normalised key names (lower-case letters and digits only). Non-English
#: names are from public device documentation and vendor APIs in those languages.
# fmt: off
SYNONYMS: dict[str, tuple[str, ...]] = {
    "manufacturer": (
        "manufacturer", "manufacturername", "manufacture", "manufactor", "manufacturerid",
        "mfr", "mfg", "mfgname", "mfrname", "vendor", "vendorname", "brand", "brandname",
        "make", "maker", "makename", "oem", "oemname", "oemvendor", "hersteller",
        "herstellername", "fabricant", "fabricante", "marca", "marque", "produttore",
        "fabrikant", "merk", "producent", "tillverkare", "valmistaja", "производитель", "厂商",
        "制造商", "厂家", "生产厂家", "生产厂商", "品牌", "设备厂商", "メーカー", "製造元", "제조사",
    ),
    "model": (
        "model", "modelname", "modelnumber", "modelno", "modelnum", "modelid", "modelcode",
        "productmodel", "productnumber", "partnumber", "hardwaremodel", "modeltype", "modell",
        "marketname", "typename",
        "modellbezeichnung", "modèle", "modele", "modelo", "modello", "typenummer", "модель",
        "型号", "设备型号", "产品型号", "型番", "モデル", "모델",
    ),
    "firmware": (
        "firmware", "firmwareversion", "firmwarever", "firmwarerevision", "firmwarebuild",
        "fwversion", "fwver", "fw", "fwrev", "firmver", "softver", "firmwareversionstring",
        "softwareversion", "softwarever", "software", "swversion", "swver", "softversion",
        "sysversion", "systemversion", "romversion", "deviceversion", "devversion",
        "cameraversion", "firmwareversie", "firmwarestand",
        "versionfirmware", "versiondufirmware", "versiondelfirmware", "versionefirmware",
        "versaodofirmware", "versiónfirmware", "прошивка", "версияпрошивки", "固件版本", "软件版本",
        "系统版本", "ファームウェア", "ファームウェアバージョン", "펌웨어",
    ),
    "serial": (
        "serial", "serialnumber", "serialno", "serialnum", "serialid", "sn", "devicesn",
        "deviceserial", "seriennummer", "seriennr", "numerodeserie", "numérodesérie",
        "numerodiserie", "numerodeserie", "serienummer", "серийныйномер", "序列号", "设备序列号",
        "シリアル番号", "시리얼번호",
    ),
    "mac": (
        "mac", "macaddress", "macaddr", "ethaddr", "hwaddr", "hwaddress", "physicaladdress",
        "wlanmac", "ethmac", "lanmac", "wiredmac", "macadresse", "adressemac", "direccionmac",
        "物理地址", "mac地址",
    ),
    "hardware": (
        "hardwareid", "hwid", "hardwareversion", "hwversion", "hardwarerevision", "hwrev",
        "hardwarever", "hardware", "hardver",
    ),
    "device_type": (
        "devicetype", "deviceclass", "producttype", "devtype", "cameratype", "deviceclassname",
        "devicecategory", "type", "gerätetyp", "geratetyp", "设备类型",
    ),
    "name": (
        "devicename", "friendlyname", "name", "cameraname", "title", "description",
        "devicedescription", "modeldescription", "productname", "product", "machinename",
        "server",
        "serverheader", "useragent", "xuseragent", "servername", "banner",
    ),
}
# fmt: on
_PREFIXES = ("device", "camera", "cam", "product", "dev", "ipc", "system", "sys", "unit", "tds")
_SUFFIXES = ("name", "info", "str", "string", "text", "value", "number")
_LOOKUP: dict[str, str] = {k: canon for canon, keys in SYNONYMS.items() for k in keys}
_CANON_CACHE: dict[str, str | None] = {}

_PRINTOUT = re.compile(
    r"""(?:^|(?<=[\s{,;(\[|]))(?:[ub]?["'])?([^\W\d][\w .\-/]{0,40}?)["']?[ \t]*(?:=>|->|:=|[:=])[ \t]*"""
    r"""(?:[ub](?=["']))?(?:"([^"\r\n]{0,200})"|'([^'\r\n]{0,200})'|"""
    r"""((?:(?![ \t]+[^\W\d][\w.-]{0,40}["']?[ \t]*[:=][ \t]*\S)[^\r\n,;{}<>\[\]"'])+))""",
    re.MULTILINE,
)
#: A one- or two-word value without digits (a maker's name, perhaps) under any printed key.
_WORD_VALUE = re.compile(r"[^\W\d][\w&.-]{1,30}(?: [^\W\d][\w&.-]{1,30})?")
_MARKDOWN = re.compile(r"\*\*|__|`")
_KV = re.compile(r"^\s*([^\s=][^=\r\n]{0,127}?)\s*=\s*(.*?)\s*$", re.MULTILINE)
_SDP_LINE = re.compile(r"^([a-z])=(.{1,300}?)\s*$", re.MULTILINE)
#: An SDP line as Wireshark's dissector prints it: ``Session Name (s): HIK Media Server``.
_SDP_DISSECTED = re.compile(
    r"^[ \t]*[A-Z][A-Za-z ,/-]{1,60} \(([a-z])\): ?([^\r\n]{1,300}?)[ \t]*$", re.MULTILINE
)
_SCOPE = re.compile(
    r"onvif://www\.onvif\.org/([A-Za-z_]{1,32})/([^\s<>\"',]{1,200})", re.IGNORECASE
)
_ANY_SCOPE = re.compile(r"onvif://www\.onvif\.org/[^\s<>\"',]{1,200}", re.IGNORECASE)


def normalise_key(key: str) -> str:
    """``Firmware-Version`` → ``firmwareversion`` (case folded, letters and digits only)."""
    return "".join(ch for ch in key.casefold() if ch.isalnum())


def canonical(name: str) -> str | None:
    """The canonical field a key name means (``manufacturer``, ``model``...), else None.

    ``name`` may carry an extractor prefix (``json.``, ``xml.``, ``kv.``, ``txt.``); the last
    dotted component is the key. Memoised.
    """
    found = _CANON_CACHE.get(name)
    if found is not None or name in _CANON_CACHE:
        return found
    key = normalise_key(name.rsplit(".", 1)[-1]) if "." in name else normalise_key(name)
    found = _LOOKUP.get(key)
    if found is None and key:
        for p in _PREFIXES:
            if key.startswith(p) and len(key) > len(p) + 1:
                found = _LOOKUP.get(key[len(p) :])
                if found is not None and found != "name":
                    break
                found = None
        if found is None:
            for s in _SUFFIXES:
                if key.endswith(s) and len(key) > len(s) + 1:
                    found = _LOOKUP.get(key[: -len(s)])
                    if found is not None and found != "name":
                        break
                    found = None
    if len(_CANON_CACHE) < 8192:
        _CANON_CACHE[name] = found
    return found


def json_pairs(text: str) -> list[tuple[str, str]]:
    """(key, scalar value) of every JSON leaf found in ``text`` (after any prefix), in order."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return []
    body = text[start : start + _MAX_JSON]
    out: list[tuple[str, str]] = []
    try:
        obj, _ = json.JSONDecoder().raw_decode(body)
    except (ValueError, RecursionError):
        return json_scan_pairs(body)
    _flatten(obj, "", out, 0)
    return out


_JSON_SCALAR = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null")


def json_scan_pairs(text: str) -> list[tuple[str, str]]:
    """(key, scalar value) pairs of JSON cut short or broken part-way (a paste that stops
    mid-object, a capture truncated at its size limit): the pairs before the break, as the
    whole JSON's parse would have given them (a list's scalars under the list's key)."""
    out: list[tuple[str, str]] = []
    # One frame per open container: [is_object, key]. An object's key is None until read.
    stack: list[list[Any]] = []
    i, n = 0, len(text)
    try:
        while i < n and len(out) < _MAX_PAIRS and len(stack) <= 32:
            c = text[i]
            if c in " \t\r\n,":
                i += 1
                continue
            top = stack[-1] if stack else None
            if top is not None and top[0] and top[1] is None:
                if c == "}":
                    stack.pop()
                    i += 1
                    _value_done(stack)
                    continue
                if c != '"':
                    break
                key, i = scanstring(text, i + 1)
                while i < n and text[i] in " \t\r\n":
                    i += 1
                if i >= n or text[i] != ":":
                    break
                top[1] = key
                i += 1
                continue
            if c in "{[":
                stack.append([c == "{", None if c == "{" else (top[1] if top else "")])
                i += 1
                continue
            if c in "}]":
                stack.pop()
                i += 1
                _value_done(stack)
                continue
            if c == '"':
                value, i = scanstring(text, i + 1)
            else:
                m = _JSON_SCALAR.match(text, i)
                if m is None or m.end() >= n:
                    break  # not JSON, or a number that may be cut short
                i = m.end()
                tok = m.group()
                value = (
                    ""
                    if tok[0] in "tfn"
                    else str(float(tok) if m.group(1) or m.group(2) else int(tok))
                )
                if not value:
                    _value_done(stack)
                    continue
            if top is not None and top[1]:
                out.append((top[1], value))
            _value_done(stack)
    except (ValueError, IndexError):
        pass  # a string cut short: everything before it is kept
    return out


def _value_done(stack: list[list[Any]]) -> None:
    """A value of the innermost container ended: an object waits for its next key."""
    if stack and stack[-1][0]:
        stack[-1][1] = None


def _flatten(obj: object, key: str, out: list[tuple[str, str]], depth: int) -> None:
    if depth > 32 or len(out) >= _MAX_PAIRS:
        return
    if isinstance(obj, dict):
        items = list(obj.items())[:1000]
        # {"name": "Manufacturer", "value": "HIKVISION"} rows: the name is the key.
        if len(obj) <= 4 and isinstance(obj.get("value"), str | int | float):
            label = next(
                (obj[k] for k in ("name", "key", "label", "id") if isinstance(obj.get(k), str)),
                None,
            )
            if label:
                out.append((label, str(obj["value"])))
        for k, v in items:
            _flatten(v, str(k), out, depth + 1)
    elif isinstance(obj, list):
        for v in obj[:1000]:
            _flatten(v, key, out, depth + 1)
    elif obj is not None and not isinstance(obj, bool) and key:
        out.append((key, str(obj)))


def unescape_lines(text: str) -> str:
    """Text whose line breaks were printed as ``\\n`` escapes, with real line breaks."""
    return text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "\t")


def printout_pairs(text: str) -> list[tuple[str, str]]:
    """``Key: value`` / ``key = value`` / ``'Key': 'value'`` / ``Key:value`` pairs whose key maps
    to a canonical field (CLI output, Python/Go/JS object dumps, logs, Markdown reports)."""
    out: list[tuple[str, str]] = []
    text = text[:_MAX_JSON]
    if "**" in text or "`" in text or "__" in text:
        text = _MARKDOWN.sub("", text)  # **Manufacturer:** Bosch, `Model`: X
    for m in _PRINTOUT.finditer(text):
        key = m.group(1).strip()
        value = next((g for g in m.group(2, 3, 4) if g is not None), "").strip()
        if canonical(key) is None and not _WORD_VALUE.fullmatch(value):
            continue
        if value and value.lower() not in ("none", "null", "nil", "undefined"):
            out.append((key, value))
            if len(out) >= _MAX_PAIRS:
                break
    return out


_CELL = re.compile(
    r"<(t[dh]|d[td]|label|span|b|strong)\b[^>]{0,200}>(.{0,200}?)</\1\s*>", re.I | re.S
)
_TAG = re.compile(r"<[^>]{0,200}>")


def html_pairs(text: str) -> list[tuple[str, str]]:
    """(label, value) of an HTML page's label/value cells — ``<td>Model</td><td>X</td>``,
    ``<dt>Vendor:</dt><dd>Y</dd>``, ``<label>Firmware</label><span>Z</span>`` — when the label
    maps to a canonical field (device information pages of web UIs)."""
    cells = [
        " ".join(_TAG.sub(" ", m.group(2)).split()).strip(" :")
        for m in _CELL.finditer(text[:_MAX_JSON])
    ][:_MAX_PAIRS]
    out: list[tuple[str, str]] = []
    for label, value in itertools.pairwise(cells):
        if label and value and len(label) <= 40 and canonical(label) is not None:
            out.append((label, value))
    return out


def kv_pairs(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2).strip("'\"")) for m in _KV.finditer(text[:_MAX_JSON])][
        :_MAX_PAIRS
    ]


#: Canonical fields an XML attribute may give (a ``name`` or ``type`` attribute rarely means
#: the device's).
_ATTRIBUTE_FIELDS = frozenset({"manufacturer", "model", "firmware", "serial", "mac", "hardware"})


def device_attributes(text: str) -> list[tuple[str, str]]:
    """Device fields written as XML attributes (``<device manufacturer="X" model="Y"/>``);
    other attributes (xmlns, version, token, name...) are the document's, not the device's."""
    if "=" not in text:
        return []
    return [p for p in xml_attributes(text) if canonical(p[0]) in _ATTRIBUTE_FIELDS]


def structured_pairs(text: str, formats: Iterable[str]) -> list[tuple[str, str]]:
    """Key/value pairs of ``text`` read as each of the sniffed ``formats`` (one parse each)."""
    out: list[tuple[str, str]] = []
    fmts = set(formats)
    if "json" in fmts:
        out.extend(json_pairs(text))
    if "xml" in fmts:
        out.extend(xml_leaves(text))
        out.extend(device_attributes(text))
    if "kv" in fmts:
        out.extend(kv_pairs(text))
    if "printout" in fmts or ("json" in fmts and not out):
        out.extend(printout_pairs(text))
    if "html" in fmts:
        out.extend(html_pairs(text))
    return out


#: Keys whose values name other devices' networks (a Wi-Fi site survey, an AP list): never read
#: as this device's maker or model words.
_NEIGHBOUR_KEYS = frozenset({"ssid", "essid", "bssid", "wifissid", "apssid"})


def canonical_fields(pairs: Iterable[tuple[str, str]], fields: Fields) -> dict[str, str]:
    """Add ``gen.<canonical>`` (and ``gen.text``) fields for ``pairs`` to ``fields``; returns
    where each ``gen`` value came from (``gen.model=DS-2CD...`` → ``json.device_model``)."""
    origin: dict[str, str] = {}
    texts = 0
    for key, value in pairs:
        value = value.strip()
        if not value or len(value) > _MAX_VALUE:
            continue
        canon = canonical(key)
        if canon is None:
            if normalise_key(key.rsplit(".", 1)[-1]) in _NEIGHBOUR_KEYS:
                continue
            if texts < _MAX_TEXT_VALUES:
                if any(c.isdigit() for c in value):
                    fields.add("gen.text", value)
                    texts += 1
                elif len(value) <= _MAX_WORD and value.count(" ") < 4:
                    # A short word value under a key of no known meaning: it names a maker
                    # only if it is exactly a KB name (content.py checks).
                    fields.add("gen.word", value)
                    texts += 1
            continue
        name = f"gen.{canon}"
        fields.add(name, value)
        origin.setdefault(f"{name}={value}", key)
    return origin


def sdp_fields(text: str, fields: Fields) -> None:
    """``sdp.<letter>`` for each SDP line (``sdp.s`` session name, ``sdp.a`` attributes...),
    also as a protocol analyser prints them (``Session Name (s): ...``)."""
    text = text[:_MAX_JSON]
    for m in _SDP_LINE.finditer(text):
        fields.add(f"sdp.{m.group(1)}", m.group(2))
    if "): " in text:
        for m in _SDP_DISSECTED.finditer(text):
            fields.add(f"sdp.{m.group(1)}", m.group(2))


def scope_fields(text: str) -> Fields:
    """ONVIF scope URIs anywhere in ``text`` (a GetScopes reply, a JSON or printed list), as the
    WS-Discovery extractor names them: ``scope``, ``scope.<type>`` (percent-decoded)."""
    fields = Fields()
    for m in _ANY_SCOPE.finditer(text[:_MAX_JSON]):
        fields.add("scope", m.group(0))
        t = _SCOPE.match(m.group(0))
        if t:
            stype = t.group(1).lower()
            with contextlib.suppress(ValueError):
                fields.add(f"scope.{stype}", unquote(t.group(2)))
            if stype in ("mac", "macaddress"):
                fields.add("mac", unquote(t.group(2)))
    return fields


def iter_values(fields: Fields, names: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(name, value) for each value of the named fields present."""
    for name in names:
        for value in fields.get(name):
            yield name, value
