"""Tolerant matching of asset-register column headers to canonical names.

Headers are compared case-, space- and punctuation-insensitively (``Model No.``, ``MODEL_NO``
and ``ModelNo`` are one header), through a synonym table, and then by fuzzy matching
(:mod:`difflib`) for typos in longer names (``Manufactuer``, ``Serail number``).

A "Supplier" column is deliberately not taken as the make: in registers it usually names the
installer or distributor, not the manufacturer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

#: Canonical column names. ``make/model`` is a combined column the KB reads as such.
CANONICAL = (
    "make",
    "model",
    "make/model",
    "description",
    "type",
    "serial",
    "mac",
    "ip",
    "hostname",
    "name",
    "location",
    "asset_id",
    "firmware",
    "site",
    "building",
    "zone",
    "install_date",
    "installer",
    "owner",
    "lat",
    "lon",
    "grid_ref",
)
#: Columns that can say what a device is: a register needs at least one of them.
IDENTIFYING = frozenset({"make", "model", "make/model", "description", "type"})

#: Canonical name -> its spellings ('|'-separated, compared after normalise_header).
_SYNONYMS: dict[str, str] = {
    "make": (
        "make|manufacturer|brand|vendor|mfr|mfg|maker|oem|manufactured by|camera make|"
        "camera manufacturer|camera brand|device make|device manufacturer|device brand|"
        "equipment make|equipment manufacturer|manufacturer name|brand name|make name|"
        "vendor name"
    ),
    "model": (
        "model|model no|model number|model num|model name|model code|model ref|part no|"
        "part number|part num|part code|product code|product model|product|product number|"
        "product name|sku|camera model|device model|equipment model|model part no|"
        "model part number|cat no|catalogue no|catalogue number|catalog number|item code|"
        "article number|model type"
    ),
    "make/model": (
        "make model|make and model|manufacturer model|manufacturer and model|brand model|"
        "brand and model|make model no|make model number|make type|manufacturer and type"
    ),
    "description": (
        "description|desc|notes|note|comments|comment|remarks|remark|details|"
        "asset description|item description|equipment description|camera description|"
        "device description|summary|additional info|info|specification|spec"
    ),
    "type": (
        "type|device type|asset type|equipment type|camera type|category|asset category|"
        "equipment category|class|asset class|kind"
    ),
    "serial": (
        "serial|serial no|serial number|serial num|s n|sn|serialnumber|serial code|"
        "device serial|serial id"
    ),
    "mac": (
        "mac|mac address|mac addr|hardware address|ethernet address|physical address|"
        "hw address|mac id|lan mac"
    ),
    "ip": (
        "ip|ip address|ipv4|ipv4 address|ip addr|host ip|device ip|camera ip|network address|"
        "static ip|lan ip|ip v4|address ip"
    ),
    "hostname": ("host|hostname|host name|dns name|fqdn|network name"),
    "name": ("name|camera name|device name|friendly name|asset name|equipment name|display name"),
    "location": (
        "location|address|position|room|premises|"
        "camera location|install location|installation location|installed location|"
        "mounting location|location description|site address|street|place|where|"
        "location text|camera position|field of view"
    ),
    "site": "site|site name|site id|property|establishment|estate|campus",
    "building": "building|building name|block|structure|floor|level|storey",
    "zone": "zone|area|sector|ward|district|region|patch|beat",
    "install_date": (
        "install date|installation date|installed|installed on|date installed|"
        "commissioned|commission date|date commissioned|fitted|date fitted|in service"
    ),
    "installer": (
        "installer|installed by|contractor|installation contractor|integrator|"
        "maintainer|maintenance contractor|maintained by|service provider|engineer"
    ),
    "owner": (
        "owner|owned by|responsible|responsible officer|department|dept|custodian|"
        "asset owner|business unit|cost centre|cost center"
    ),
    "lat": "lat|latitude|gps lat|y coord|wgs84 lat",
    "lon": "lon|long|lng|longitude|gps lon|gps long|x coord|wgs84 lon",
    "grid_ref": (
        "grid ref|grid reference|os grid ref|os grid reference|ngr|os ref|"
        "national grid reference|os grid|easting northing|eastings northings"
    ),
    "asset_id": (
        "asset id|asset tag|asset no|asset number|asset ref|asset reference|asset|tag|tag no|"
        "cam no|cam id|cam ref|cam number|"
        "camera id|camera no|camera number|camera ref|id|ref|reference|equipment id|item id|"
        "inventory no|inventory number|asset code"
    ),
    "firmware": (
        "firmware|firmware version|fw|fw version|fw ver|firmware ver|software version|"
        "firmware software|software|version|sw version"
    ),
}

_FUZZY_CUTOFF = 0.8
_FUZZY_MIN_LENGTH = 5


def normalise_header(header: str) -> str:
    """Lower-case words of a header: ``SerialNo.`` -> ``serial no``, ``S/N`` -> ``s n``."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", header.strip())
    text = text.lower().replace("&", " and ").replace("#", " no ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(words)


def _key(header: str) -> str:
    """The comparison key: normalised words without "and", run together."""
    return "".join(w for w in normalise_header(header).split() if w != "and")


_EXACT: dict[str, str] = {
    _key(name): canonical for canonical, names in _SYNONYMS.items() for name in names.split("|")
}
_FUZZY_KEYS = [k for k in _EXACT if len(k) >= _FUZZY_MIN_LENGTH]


def match_header(header: str) -> str | None:
    """The canonical name of a column header, or None when it is not one we know."""
    key = _key(header)
    if not key:
        return None
    found = _EXACT.get(key)
    if found or len(key) < _FUZZY_MIN_LENGTH:
        return found
    close = difflib.get_close_matches(key, _FUZZY_KEYS, n=1, cutoff=_FUZZY_CUTOFF)
    return _EXACT[close[0]] if close else None


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """How one header row maps: column index -> canonical name (first column of each name wins;
    further description-like columns are appended to the description)."""

    headers: tuple[str, ...]
    canonical: dict[int, str]

    @property
    def score(self) -> int:
        return len(set(self.canonical.values()))

    @property
    def identifying(self) -> bool:
        return bool(IDENTIFYING & set(self.canonical.values()))


def map_columns(headers: list[str]) -> ColumnMap:
    """Map a header row. Later columns with an already-taken canonical name keep their own name
    (a second "Brand" next to "Manufacturer" is still read by the KB as a brand), except
    description-like ones, which are joined into the description."""
    taken: set[str] = set()
    canonical: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = match_header(header) if header.strip() else None
        if name is None:
            continue
        if name in taken and name != "description":
            continue
        taken.add(name)
        canonical[index] = name
    return ColumnMap(tuple(headers), canonical)
