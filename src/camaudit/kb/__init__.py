"""The knowledge base: vendors and brands, model grammar, fingerprints — data files plus loader.

``load_kb()`` reads and validates every file once per process. Errors name the file and the entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from camaudit.errors import KnowledgeBaseError
from camaudit.kb.anchors import first_chars
from camaudit.kb.schema import (
    BrandEntry,
    FingerprintFile,
    ModelPattern,
    ModelsFile,
    OuiBlock,
    OuiBlocksFile,
    Rule,
    VendorEntry,
    VendorsFile,
    compile_kb_regex,
)
from camaudit.kb.yaml_cache import load_cached

KB_DIR = Path(__file__).resolve().parent
#: libyaml's C loader when available (several times faster), else the pure-Python one; both safe.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Most distinct names / model strings remembered per process (lookups are pure).
_CACHE_SIZE = 100_000
#: Top-level name lists of vendors.yaml beside its vendors and brands.
_NAME_LISTS = ("ignored_names", "prose_words", "other_companies", "qualifier_words")

__all__ = ["KB_DIR", "CompiledPattern", "KnowledgeBase", "NameMatch", "load_kb", "normalise_name"]


#: Scripts written without spaces between words, in which makers' own names are kept whole
#: (Chinese 海康威视, Japanese kana, Korean hangul).
NATIVE_SCRIPT = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_NOT_NAME = re.compile(f"[^0-9a-z{NATIVE_SCRIPT}]+")
_NATIVE = re.compile(f"[{NATIVE_SCRIPT}]")


def normalise_name(name: str) -> str:
    """Case- and punctuation-insensitive key for vendor names and IEEE registrants."""
    return " ".join(_NOT_NAME.sub(" ", name.casefold()).split())


def has_native_script(text: str) -> bool:
    """Whether ``text`` has characters of a script written without spaces (CJK, kana, hangul)."""
    return not text.isascii() and _NATIVE.search(text) is not None


@dataclass(frozen=True, slots=True)
class NameMatch:
    """What a name seen on a device resolves to."""

    vendor: VendorEntry
    brand: BrandEntry | None = None

    @property
    def label(self) -> str:
        return self.brand.name if self.brand else self.vendor.name


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    spec: ModelPattern
    regex: re.Pattern[str]


@dataclass(slots=True)
class KnowledgeBase:
    """Validated KB contents with lookup indexes."""

    vendors: dict[str, VendorEntry]
    brands: dict[str, BrandEntry]
    patterns: list[CompiledPattern]
    rule_files: dict[str, FingerprintFile]
    ignored_names: frozenset[str] = frozenset()
    #: Maker names that are also ordinary words (axis, ring...): in free text only when written
    #: with a capital.
    prose_words: frozenset[str] = frozenset()
    free_text_ignore: frozenset[str] = frozenset()
    #: Register columns never read for a maker or model (places, people, serials): the
    #: ``ignore_columns`` of register_spellings.yaml, lower-cased.
    register_ignore_columns: frozenset[str] = frozenset()
    #: Companies whose name begins with a CCTV maker's (Samsung Electronics: not Samsung
    #: Techwin), normalised: free text naming one of them names no maker.
    other_companies: frozenset[str] = frozenset()
    #: Maker names that are also a qualifier written after a product name or version (``LTS``,
    #: Long Term Support: "Ubuntu 22.04 LTS", "Jenkins LTS"), normalised: free text names such a
    #: maker only as its first word or after a separator, never right after another word.
    qualifier_words: frozenset[str] = frozenset()
    #: MA-L blocks registered after the bundled IEEE registry's snapshot (oui_recent.yaml):
    #: prefix (six hex digits) -> registrant as the registry spells it.
    recent_blocks: dict[str, str] = field(default_factory=dict)
    _names: dict[str, NameMatch] = field(default_factory=dict)
    _native: tuple[str, ...] | None = None
    _ieee: dict[str, NameMatch] = field(default_factory=dict)

    _by_first: dict[str, list[CompiledPattern]] = field(default_factory=dict)
    _unanchored: list[CompiledPattern] = field(default_factory=list)
    #: Per bucket, one regex of all its patterns as alternatives: most tokens of free text
    #: match none of them, which one search then says.
    _bucket_gate: dict[str, re.Pattern[str]] = field(default_factory=dict)
    _model_cache: dict[str, CompiledPattern | None] = field(default_factory=dict)
    #: Letter prefixes the grammar's examples write before a hyphen (``IPC``, ``XNV``), as one
    #: regex, longest first.
    _hyphen_prefix_re: re.Pattern[str] | None = None
    _name_cache: dict[str, NameMatch | None] = field(default_factory=dict)
    _pattern_by_id: dict[str, ModelPattern] = field(default_factory=dict)
    _recent_makers: tuple[OuiBlock, ...] = ()

    def __post_init__(self) -> None:
        self._index_patterns()
        self._pattern_by_id = {p.spec.id: p.spec for p in self.patterns}
        for v in self.vendors.values():
            for n in [v.name, *v.aliases, *([v.legal_name] if v.legal_name else [])]:
                self._names.setdefault(normalise_name(n), NameMatch(v))
            for n in v.ieee:
                self._ieee[normalise_name(n)] = NameMatch(v)
        for b in self.brands.values():
            match = NameMatch(self.vendors[b.manufacturer], b)
            for n in [b.name, *b.aliases]:
                self._names.setdefault(normalise_name(n), match)
            for n in b.ieee:
                self._ieee[normalise_name(n)] = match
        for block in self._recent_makers:
            self._ieee.setdefault(normalise_name(block.registrant), self._maker_match(block.maker))

    def _maker_match(self, name: str) -> NameMatch:
        brand = self.brands.get(name)
        if brand is not None:
            return NameMatch(self.vendors[brand.manufacturer], brand)
        return NameMatch(self.vendors[name])

    def _index_patterns(self) -> None:
        """Bucket model patterns by the characters their matches can start with; collect the
        prefixes their examples write before a hyphen."""
        prefixes = {
            m.group(1)
            for p in self.patterns
            if "-?" not in p.spec.match  # a pattern that decides on a missing hyphen itself
            for ex in p.spec.examples
            if (m := _HYPHEN_PREFIX.match(ex.strip().upper()))
        }
        ordered = sorted(prefixes, key=lambda x: (-len(x), x))
        self._hyphen_prefix_re = (
            re.compile("^(" + "|".join(map(re.escape, ordered)) + ")") if ordered else None
        )
        firsts = [first_chars(p.spec.match) for p in self.patterns]
        alphabet = set().union(*(f for f in firsts if f is not None))
        for ch in alphabet:
            self._by_first[ch] = [
                p for p, f in zip(self.patterns, firsts, strict=True) if f is None or ch in f
            ]
        self._unanchored = [p for p, f in zip(self.patterns, firsts, strict=True) if f is None]
        for ch, bucket in [*self._by_first.items(), ("", self._unanchored)]:
            gate = _alternatives(bucket)
            if gate is not None:
                self._bucket_gate[ch] = gate

    def resolve(self, name: str) -> NameMatch | None:
        """Vendor or brand named by ``name`` (canonical name or alias), else None."""
        try:
            return self._name_cache[name]
        except KeyError:
            pass
        found = self._names.get(normalise_name(name))
        if len(self._name_cache) < _CACHE_SIZE:
            self._name_cache[name] = found
        return found

    def known_names(self) -> list[str]:
        """Every vendor and brand name and alias, normalised (see :func:`normalise_name`)."""
        return list(self._names)

    @property
    def native_names(self) -> tuple[str, ...]:
        """Names and aliases written in a script without spaces (``海康威视``), longest first:
        free text in those scripts is searched for them as substrings."""
        if self._native is None:
            self._native = tuple(
                sorted((n for n in self._names if has_native_script(n)), key=len, reverse=True)
            )
        return self._native

    def resolve_ieee(self, registrant: str) -> NameMatch | None:
        """Vendor or brand whose IEEE registrant name is ``registrant``."""
        return self._ieee.get(normalise_name(registrant))

    def is_ignored_name(self, name: str) -> bool:
        return normalise_name(name) in self.ignored_names

    def is_free_text_ignored(self, token: str) -> bool:
        """A token of free text the model grammar must not read (``H.264``, ``HTTP/1.1``...)."""
        return token.upper() in self.free_text_ignore

    def _first_pattern(self, up: str) -> CompiledPattern | None:
        first = up[0]
        gate = self._bucket_gate.get(first if first in self._by_first else "")
        if gate is not None and gate.search(up) is None:
            return None
        for p in self._by_first.get(first, self._unanchored):
            if p.regex.search(up):
                return p
        return None

    def _retyped(self, up: str) -> CompiledPattern | None:
        """The pattern of a model number typed another way: full-width letters or typographic
        dashes (an en dash for each hyphen), a space for the prefix's hyphen (``IPC HFW2431S``),
        or the hyphen dropped after a prefix of three letters or more that the grammar's examples
        write with one (``IPCHFW2431S``; the rest a code of four characters or more)."""
        plain = plain_typing(up)
        if plain != up:
            found = self._first_pattern(plain)
            if found is not None:
                return found
        if _SPACED_PREFIX.match(plain):
            return self._first_pattern(
                _SPACED_PREFIX.sub(r"\1-", plain, count=1)
            ) or self._first_pattern(_SPACED_PREFIX.sub(r"\1", plain, count=1))
        m = self._hyphen_prefix_re.match(plain) if self._hyphen_prefix_re else None
        if m is not None:
            prefix, rest = m.group(1), plain[m.end(1) :]
            if len(rest) >= 4 and _CODE_START.match(rest):
                found = self._first_pattern(f"{prefix}-{rest}")
                # A dropped hyphen is read only for a pattern sure of its shape.
                if found is not None and found.spec.weight >= _RETYPED_MIN_WEIGHT:
                    return found
        return None

    def pattern(self, pattern_id: str) -> ModelPattern | None:
        """The model-grammar pattern with this id, else None."""
        return self._pattern_by_id.get(pattern_id)

    def rules(self) -> list[tuple[list[str], Rule]]:
        """Every fingerprint rule with the evidence kinds it applies to."""
        return [(f.kinds, r) for f in self.rule_files.values() for r in f.rules]

    def rule(self, rule_id: str) -> Rule | None:
        for f in self.rule_files.values():
            for r in f.rules:
                if r.id == rule_id:
                    return r
        return None

    def match_model(self, model: str, *, retype: bool = True) -> CompiledPattern | None:
        """First model-grammar pattern matching ``model`` (upper-cased), else None (``retype``:
        also as typed another way, see :meth:`_retyped`)."""
        if not retype:
            up = model.strip().upper()
            return self._first_pattern(up) if len(up) >= 3 else None
        try:
            return self._model_cache[model]
        except KeyError:
            pass
        found = None
        up = model.strip().upper()
        if len(up) >= 3:
            found = self._first_pattern(up)
            if found is None:
                found = self._retyped(up)
        if len(self._model_cache) < _CACHE_SIZE:
            self._model_cache[model] = found
        return found


#: A letter prefix and its hyphen at the start of a model example (``IPC-``, ``DS-``).
_HYPHEN_PREFIX = re.compile(r"^([A-Z]{3,5})-[A-Z0-9]")
#: Weight a pattern needs to be read with its prefix's hyphen dropped.
_RETYPED_MIN_WEIGHT = 0.7
#: The start of a model code after its prefix: up to four letters, then a digit.
_CODE_START = re.compile(r"[A-Z]{0,4}\d")
#: A letter prefix followed by a space and a code (``DS 7716NI``, ``IPC HFW2431S``): read
#: with the space as a hyphen, else with none (``IPC 2124LB``).
_SPACED_PREFIX = re.compile(r"^([A-Z]{2,4}) (?=[A-Z]{0,4}\d)")
#: Dashes a word processor or a spreadsheet types for a hyphen (en dash, minus sign...).
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-")
)


#: Inline flags that apply to a whole pattern (``(?i)``): not allowed inside an alternative.
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _alternatives(bucket: list[CompiledPattern]) -> re.Pattern[str] | None:
    """One regex that matches where any of ``bucket``'s patterns does (None when they cannot be
    joined: a pattern with inline flags, named groups or back-references keeps its own search)."""
    if len(bucket) < 2:
        return None
    sources = [p.regex.pattern for p in bucket]
    if any(_GLOBAL_FLAGS.match(s) or "(?P" in s or re.search(r"\\[1-9]", s) for s in sources):
        return None
    if any(p.regex.flags & ~re.UNICODE for p in bucket):
        return None
    try:
        return re.compile("|".join(f"(?:{s})" for s in sources))
    except re.error:
        return None


def plain_typing(text: str) -> str:
    """``text`` with full-width characters and typographic dashes (en dash, non-breaking
    hyphen, minus sign...) as the plain characters a device would send."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def _parse_yaml(data: bytes) -> object:
    return yaml.load(data.decode("utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def _read_yaml(path: Path) -> object:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return load_cached(data, _parse_yaml, _YAML_LOADER.__name__)
    except UnicodeDecodeError as exc:
        raise KnowledgeBaseError(f"{path}: not UTF-8 text: {exc}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path}: invalid YAML: {exc}") from None


def _validation_message(path: Path, exc: ValidationError, data: object) -> str:
    first = exc.errors()[0]
    loc = first["loc"]
    where = ".".join(str(p) for p in loc)
    # Name the entry (its id or name) when the error sits inside a list item.
    entry = ""
    if isinstance(data, dict) and len(loc) >= 2 and isinstance(loc[1], int):
        items = data.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            item = items[loc[1]]
            entry = f" (entry {item.get('id') or item.get('name')!r})"
    return f"{path.name}: {where}{entry}: {first['msg']}"


def load_kb_from(directory: Path) -> KnowledgeBase:
    """Load and validate a KB directory (vendors.yaml, models.yaml, fingerprints/*.yaml)."""
    vendors_path = directory / "vendors.yaml"
    raw_vendors = _read_yaml(vendors_path)
    try:
        vf = VendorsFile.model_validate(
            {k: v for k, v in (raw_vendors or {}).items() if k not in _NAME_LISTS}
            if isinstance(raw_vendors, dict)
            else raw_vendors
        )
    except ValidationError as exc:
        raise KnowledgeBaseError(_validation_message(vendors_path, exc, raw_vendors)) from None
    ignored, prose, others, qualifiers = (_name_list(raw_vendors, key) for key in _NAME_LISTS)
    vendors: dict[str, VendorEntry] = {}
    for v in vf.vendors:
        if v.name in vendors:
            raise KnowledgeBaseError(f"vendors.yaml: vendor {v.name!r} is defined twice")
        vendors[v.name] = v
    brands: dict[str, BrandEntry] = {}
    for b in vf.brands:
        if b.manufacturer not in vendors:
            raise KnowledgeBaseError(
                f"vendors.yaml: brand {b.name!r} names unknown manufacturer {b.manufacturer!r}"
            )
        if b.name in brands:
            raise KnowledgeBaseError(f"vendors.yaml: brand {b.name!r} is defined twice")
        brands[b.name] = b

    models_path = directory / "models.yaml"
    patterns: list[CompiledPattern] = []
    free_text_ignore: frozenset[str] = frozenset()
    if models_path.exists():
        raw_models = _read_yaml(models_path)
        try:
            mf = ModelsFile.model_validate(raw_models)
        except ValidationError as exc:
            raise KnowledgeBaseError(_validation_message(models_path, exc, raw_models)) from None
        for p in mf.patterns:
            if p.manufacturer not in vendors:
                raise KnowledgeBaseError(
                    f"models.yaml: pattern {p.id!r} names unknown manufacturer {p.manufacturer!r}"
                )
            if p.brand is not None and p.brand not in vendors and p.brand not in brands:
                raise KnowledgeBaseError(
                    f"models.yaml: pattern {p.id!r} names unknown brand {p.brand!r}"
                )
            if any(q.spec.id == p.id for q in patterns):
                raise KnowledgeBaseError(f"models.yaml: pattern id {p.id!r} is used twice")
            patterns.append(CompiledPattern(p, compile_kb_regex(p.match)))
        free_text_ignore = frozenset(t.upper() for t in mf.free_text_ignore)

    rule_files: dict[str, FingerprintFile] = {}
    seen_ids: dict[str, str] = {}
    for path in sorted((directory / "fingerprints").glob("*.yaml")):
        raw = _read_yaml(path)
        try:
            ff = FingerprintFile.model_validate(raw)
        except ValidationError as exc:
            raise KnowledgeBaseError(_validation_message(path, exc, raw)) from None
        for r in ff.rules:
            if r.id in seen_ids:
                raise KnowledgeBaseError(
                    f"{path.name}: rule id {r.id!r} already used in {seen_ids[r.id]}"
                )
            seen_ids[r.id] = path.name
        rule_files[path.name] = ff
    blocks = _recent_blocks(directory / "oui_recent.yaml", vendors, brands)
    return KnowledgeBase(
        vendors,
        brands,
        patterns,
        rule_files,
        ignored,
        prose,
        free_text_ignore,
        _register_ignore_columns(directory / "register_spellings.yaml"),
        others,
        qualifiers,
        recent_blocks={b.prefix: b.registrant for b in blocks},
        _recent_makers=blocks,
    )


def _recent_blocks(
    path: Path, vendors: dict[str, VendorEntry], brands: dict[str, BrandEntry]
) -> tuple[OuiBlock, ...]:
    """The MA-L blocks of oui_recent.yaml (none when there is no file), each naming a KB maker."""
    if not path.exists():
        return ()
    raw = _read_yaml(path)
    try:
        bf = OuiBlocksFile.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeBaseError(_validation_message(path, exc, raw)) from None
    seen: set[str] = set()
    for b in bf.blocks:
        if b.maker not in vendors and b.maker not in brands:
            raise KnowledgeBaseError(
                f"{path.name}: block {b.prefix} names unknown maker {b.maker!r}"
            )
        if b.prefix in seen:
            raise KnowledgeBaseError(f"{path.name}: block {b.prefix} is listed twice")
        seen.add(b.prefix)
    return tuple(bf.blocks)


def _name_list(raw: object, key: str) -> frozenset[str]:
    """One of vendors.yaml's top-level name lists, normalised (empty when absent)."""
    names = raw.get(key) if isinstance(raw, dict) else None
    return frozenset(normalise_name(str(n)) for n in names or [])


def _register_ignore_columns(path: Path) -> frozenset[str]:
    """The ``ignore_columns`` list of a register spellings file (none when there is no file)."""
    if not path.exists():
        return frozenset()
    raw = _read_yaml(path)
    columns = raw.get("ignore_columns") if isinstance(raw, dict) else None
    if columns is not None and not isinstance(columns, list):
        raise KnowledgeBaseError(f"{path.name}: ignore_columns must be a list of column names")
    return frozenset(str(c).strip().casefold() for c in columns or [])


@lru_cache(maxsize=4)
def load_kb(directory: str | None = None) -> KnowledgeBase:
    """The KB shipped with camaudit (or another directory), loaded once per process."""
    return load_kb_from(Path(directory) if directory else KB_DIR)
