"""Reading a register row as a person reads it, before the identification engine sees it.

People write makers as they say them: "Hik", "HIK-VISION", "Hikvison", "Dahau", "Annke NVR",
"LTS Platinum", "unknown - contractor"; they put the maker in the description or the notes and
the model number wherever there was room. This module turns what a row says into the KB's names
(:mod:`camaudit.kb` vendors and brands, and the model grammar), through the data file
``kb/register_spellings.yaml`` and general patterns (one edit from a KB name, prefixes):

- a maker column (the KB's make / brand field names) keeps only a KB name: what was written is
  kept under ``<column> (as written)``, and a value that names no maker is moved there, so free
  text never becomes a brand;
- with no maker column, maker words are read from the other columns (description, notes, model,
  type, name, extra columns; never places, people or serial numbers), skipping mentions that say
  the kit was replaced or is not of that make;
- a model number found anywhere in the row fills an empty model column (or replaces a model cell
  that holds one among other words);
- ``read as`` says what was changed and why; a row where nothing was recognised keeps what was
  seen in its ``notes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from camaudit.errors import KnowledgeBaseError
from camaudit.kb import KB_DIR, KnowledgeBase, load_kb, normalise_name

SPELLINGS_FILE = KB_DIR / "register_spellings.yaml"
#: KB rules whose fields are maker columns, combined make/model columns, model columns.
_MAKER_RULE, _COMBINED_RULE, _MODEL_RULE = (
    "asset.make.name",
    "asset.make.vendor-word",
    "asset.model.column",
)
_WORD = re.compile(r"[A-Za-z0-9]+")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/.]{2,40}")
_MODEL_LIKE = re.compile(r"(?=[^A-Za-z]*[A-Za-z])(?=\D*\d)")
_WINDOW = 4
_CACHE = 20_000
AS_WRITTEN = " (as written)"
READ_AS = "read as"


@dataclass(frozen=True, slots=True)
class Found:
    """A KB name read from a cell: ``name`` (vendor or brand), the words and how they were read."""

    name: str
    words: str
    how: str

    def describe(self, column: str) -> str:
        return f"{self.name} from {column} {self.words!r} ({self.how})"


@dataclass(frozen=True, slots=True)
class Spellings:
    """The data of ``register_spellings.yaml``."""

    spellings: dict[str, str]
    prefixes: dict[str, str]
    min_length: int
    min_length_in_text: int
    short_names_in_text: frozenset[str]
    ordinary: frozenset[str]
    negations: frozenset[str]
    barriers: frozenset[str]


def load_spellings(path: Path = SPELLINGS_FILE) -> Spellings:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path.name}: unreadable ({exc})") from None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path.name}: expected a mapping")
    fuzzy = raw.get("fuzzy") or {}
    return Spellings(
        spellings={normalise_name(str(k)): str(v) for k, v in (raw.get("spellings") or {}).items()},
        prefixes={normalise_name(str(k)): str(v) for k, v in (raw.get("prefixes") or {}).items()},
        min_length=int(fuzzy.get("min_length", 5)),
        min_length_in_text=int(fuzzy.get("min_length_in_text", 7)),
        short_names_in_text=frozenset(
            normalise_name(str(n)) for n in raw.get("short_names_in_text") or []
        ),
        ordinary=frozenset(normalise_name(str(n)) for n in raw.get("ordinary_words") or []),
        negations=frozenset(str(n).casefold() for n in raw.get("negations") or []),
        barriers=frozenset(str(n).casefold() for n in raw.get("negation_barriers") or []),
    )


def osa_distance_at_most_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insert, delete, change or neighbour swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one change
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return b[i + 1 :] == a[i:]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class RegisterReader:
    """Reads rows (column -> text) into KB names; one per KB and spellings file."""

    kb: KnowledgeBase
    data: Spellings
    maker_keys: frozenset[str] = frozenset()
    combined_keys: frozenset[str] = frozenset()
    model_keys: frozenset[str] = frozenset()
    _fuzzy: dict[str, set[str]] = field(default_factory=dict)  # deletion form -> KB names
    _labels: dict[str, str] = field(default_factory=dict)  # joined KB name -> label
    _cache: dict[tuple[str, bool], Found | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, label in list(self.data.spellings.items()) + list(self.data.prefixes.items()):
            if self.kb.resolve(label) is None:
                raise KnowledgeBaseError(
                    f"register_spellings.yaml: {name!r} names {label!r}, not a KB vendor or brand"
                )

        def fields(rule_id: str) -> frozenset[str]:
            rule = self.kb.rule(rule_id)
            names = [] if rule is None else rule.field
            return frozenset(n.lower() for n in ([names] if isinstance(names, str) else names))

        self.combined_keys = fields(_COMBINED_RULE) & fields(_MODEL_RULE)
        self.maker_keys = (fields(_MAKER_RULE) | fields(_COMBINED_RULE)) - self.combined_keys
        self.model_keys = fields(_MODEL_RULE) - self.combined_keys
        for name in self.kb.known_names():
            joined = name.replace(" ", "")
            match = self.kb.resolve(name)
            if match is None or not joined.isalpha() or len(joined) < self.data.min_length:
                continue
            self._labels[joined] = match.label
            for form in _deletions(joined):
                self._fuzzy.setdefault(form, set()).add(joined)

    # ------------------------------------------------------------------ names
    def _lookup(self, cand: str, forgiving: bool, single: bool) -> Found | None:
        joined = cand.replace(" ", "")
        if not joined or joined.isdigit() or self.kb.is_ignored_name(cand):
            return None
        match = self.kb.resolve(cand)
        if match is not None:
            if not forgiving and len(joined) < 4 and cand not in self.data.short_names_in_text:
                return None
            return Found(match.label, cand, "KB name")
        spelled = self.data.spellings.get(cand)
        if spelled is not None:
            return Found(self._label(spelled), cand, "known spelling")
        least = self.data.min_length if forgiving else self.data.min_length_in_text
        near = (
            set()
            if len(joined) < least - 1 or not joined.isalpha()
            else {
                n
                for form in _deletions(joined)
                for n in self._fuzzy.get(form, ())
                if len(n) >= least and osa_distance_at_most_one(joined, n)
            }
        )
        labels = {self._labels[n] for n in near}
        if len(labels) == 1:
            return Found(labels.pop(), cand, f"one letter off {min(near)!r}")
        if forgiving and single:
            for prefix, label in self.data.prefixes.items():
                if joined.startswith(prefix):
                    return Found(self._label(label), cand, f"short for {label}")
        return None

    def _label(self, name: str) -> str:
        match = self.kb.resolve(name)
        return match.label if match else name

    def find_maker(self, text: str, *, forgiving: bool) -> Found | None:
        """The first maker or label named in ``text`` (longest words first at each position);
        ``forgiving`` for maker columns (prefixes, one edit from names of 5+ letters, any alias),
        else free text (names under 4 letters only when listed, no prefixes, and no mention
        negated by a word shortly before it)."""
        key = (text, forgiving)
        if key in self._cache:
            return self._cache[key]
        written = _WORD.findall(text)
        words = [w.casefold() for w in written]
        found: Found | None = None
        for i in range(len(words)):
            if self._negated(words, i):
                continue
            for n in range(min(_WINDOW, len(words) - i), 0, -1):
                window = words[i : i + n]
                cands = [" ".join(window)] + (["".join(window)] if 1 < n <= 2 else [])
                for cand in cands:
                    if not forgiving and cand in self.data.ordinary and not written[i].isupper():
                        continue
                    found = self._lookup(cand, forgiving, single=n == 1)
                    if found is not None:
                        break
                if found is not None:
                    break
            if found is not None:
                break
        if len(self._cache) < _CACHE:
            self._cache[key] = found
        return found

    def _negated(self, words: list[str], i: int) -> bool:
        """A negation among the three words before ``words[i]`` with no barrier after it."""
        for w in reversed(words[max(0, i - 3) : i]):
            if w in self.data.barriers:
                return False
            if w in self.data.negations:
                return True
        return False

    def find_model(self, text: str) -> str | None:
        """The first model number of the KB's model grammar in ``text``."""
        tokens: list[str] = _TOKEN.findall(text)
        for found in tokens[:64]:
            token = found.rstrip("./-")
            if len(token) < 4 or not _MODEL_LIKE.match(token):
                continue
            if self.kb.match_model(token) is not None and not self.kb.is_free_text_ignored(token):
                return token.upper()
        return None

    # ------------------------------------------------------------------ rows
    def read_row(self, row: dict[str, str]) -> dict[str, str]:
        """The row with maker columns holding only KB names, a model number where one was
        written, and ``read as`` / ``notes`` saying what was read (the input is not changed)."""
        out = dict(row)
        said: list[str] = []
        maker: Found | None = None
        unknown: list[str] = []
        for key, value in row.items():
            lk = key.strip().lower()
            if lk not in self.maker_keys or key.endswith(AS_WRITTEN):
                continue
            if self.kb.resolve(value) is not None:
                maker = maker or Found(self._label(value), value, "KB name")
                continue
            got = self.find_maker(value, forgiving=True)
            out.pop(key)
            out[key + AS_WRITTEN] = value
            if got is None:
                if not self.kb.is_ignored_name(value):
                    unknown.append(f"{key} {value!r}")
                continue
            out[key] = got.name
            said.append(got.describe(key))
            maker = maker or got
        model = self._read_model(row, out, said)
        if maker is None:
            maker = self._maker_from_text(row, out, said, model)
        if said:
            out[READ_AS] = "; ".join(said)
        if maker is None and model is None:
            seen = unknown or [f"{k} {v!r}" for k, v in row.items() if self._readable(k)][:3]
            note = "no maker or model recognised" + (f" in {', '.join(seen)}" if seen else "")
            out["notes"] = "; ".join(p for p in (row.get("notes"), row.get("description")) if p)
            out["notes"] = f"{out['notes']}; {note}" if out["notes"] else note
        return out

    def _readable(self, key: str) -> bool:
        lk = key.strip().lower()
        return lk not in self.kb.register_ignore_columns and not key.endswith(AS_WRITTEN)

    def _read_model(self, row: dict[str, str], out: dict[str, str], said: list[str]) -> str | None:
        for key, value in row.items():
            if key.strip().lower() not in self.model_keys:
                continue
            model = self.find_model(value)
            if model is None:
                continue
            if model != value.strip().upper():
                out[key + AS_WRITTEN] = value
                out[key] = model
                said.append(f"model {model} from {key} {value!r}")
            return model
        for key, value in row.items():
            if not self._readable(key) or key.strip().lower() in self.maker_keys:
                continue
            model = self.find_model(value)
            if model is not None:
                if "model" not in out:
                    out["model"] = model
                    said.append(f"model {model} from {key} {value!r}")
                return model
        return None

    def _maker_from_text(
        self, row: dict[str, str], out: dict[str, str], said: list[str], model: str | None
    ) -> Found | None:
        """A maker word in the other columns; not taken when the row's model number names
        another maker (the model number is the better witness)."""
        pattern = self.kb.match_model(model) if model else None
        by_model = pattern.spec.manufacturer if pattern else None
        keys = sorted(
            (k for k in row if self._readable(k) and k.strip().lower() not in self.maker_keys),
            key=lambda k: (k.strip().lower() not in self.combined_keys | self.model_keys, k),
        )
        for key in keys:
            lk = key.strip().lower()
            got = self.find_maker(row[key], forgiving=lk in self.combined_keys)
            if got is None:
                continue
            match = self.kb.resolve(got.name)
            if by_model and match is not None and match.vendor.name != by_model:
                said.append(f"{got.describe(key)} not taken: model {model} is {by_model}'s")
                return None
            if "make" not in out:
                out["make"] = got.name
            said.append(got.describe(key))
            return got
        return None


@lru_cache(maxsize=2)
def default_reader(kb_dir: str | None = None) -> RegisterReader:
    """The reader over the shipped KB and spellings file (built once per process)."""
    return RegisterReader(load_kb(kb_dir), load_spellings())
