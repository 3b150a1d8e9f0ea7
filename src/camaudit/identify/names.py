"""Maker names and model numbers in free text: titles, realms, banners, names, register prose.

:func:`text_template` runs the model-number grammar and the KB's maker and label names over one
free-text value (memoised per value); :func:`observe_asset_names` reads the names a register
row's prose and model column give, unless the text speaks of replacing or not having such kit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from camaudit.identify.extract import Fields
from camaudit.identify.facts import Fact, FactTemplate
from camaudit.kb import has_native_script, normalise_name
from camaudit.models import EvidenceRef

if TYPE_CHECKING:
    from camaudit.identify.engine import Identifier, Observation

#: Weight of a maker or label name found in such free text.
NAME_WEIGHT = 0.5
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&+-]*")
_HEX_ESCAPE = re.compile(r"\\x[0-9A-Fa-f]{2}")
_SEPARATORS = str.maketrans("-&+", "   ")


def _first_word(word: str) -> str:
    """The first word of ``word`` as normalised KB names spell it (``D-Link`` → ``d``)."""
    return word.casefold().translate(_SEPARATORS).split(" ", 1)[0]


_STARTS: dict[str, bool] = {}
_STARTS_SIZE = 20_000


def _starts_name(ident: Identifier, word: str) -> bool:
    """Whether ``word`` is the first word of some KB maker or label name (memoised per word:
    the words of titles and realms repeat)."""
    found = _STARTS.get(word)
    if found is None:
        found = _first_word(word) in ident.name_first_words()
        if len(_STARTS) >= _STARTS_SIZE:
            _STARTS.clear()
        _STARTS[word] = found
    return found


def text_template(
    ident: Identifier, text: str, weight: float, *, remember: bool = True
) -> tuple[FactTemplate, FactTemplate]:
    """What the model grammar and the KB's maker names find in one free-text value (memoised:
    titles, realms and banners repeat across an estate; most find nothing). ``remember=False``
    for a value that will not come again (one holding a device's own serial): it is read, not
    kept."""
    key = (text, weight)
    cache = ident.text_cache
    found = cache.get(key)
    if found is None:
        probe = EvidenceRef("", "grammar:free-text", text[:80], "", "")
        model_part = tuple(
            (f.field, f.value, f.weight, f.ref.rule, f.ref.matched)
            for f in ident.resolver.text_model_facts(text, weight, probe)
        )
        found = (model_part, name_template(ident, text))
        if not remember:
            return found
        if len(cache) >= 50_000:
            cache.clear()
        cache[key] = found
    return found


def name_template(ident: Identifier, text: str) -> FactTemplate:
    """Maker and label names of the KB (names and aliases, up to three words) in ``text``.

    Short aliases are easily ordinary words: a name counts when it has four characters or more,
    or is written in capitals with three or more (``LTS``, ``HIK``)."""
    head = text[:400]
    if "\\x" in head:
        head = _HEX_ESCAPE.sub(" ", head)  # printed bytes ("Dahua\xC2\xA0Device"): separators
    words = _WORD.findall(head)[:48]
    out: list[tuple[str, str, float, str, str]] = []
    if has_native_script(head):
        out.extend(_native_names(ident, head))
    starts = [_starts_name(ident, w) for w in words]
    if not any(starts):
        return tuple(out or _subword_names(ident, words))
    taken: set[int] = set()
    qualifiers = ident.kb.qualifier_words
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            if not starts[i] or any(j in taken for j in range(i, i + n)):
                continue
            phrase = " ".join(words[i : i + n])
            if n > 1 and normalise_name(phrase) in ident.kb.other_companies:
                taken.update(range(i, i + n))
                continue
            if len(phrase) < 4 and not (len(phrase) == 3 and phrase.isupper()):
                continue
            if len(phrase) == 3 and _after_number(head, phrase):
                continue
            if n == 1 and _after_word(head, phrase) and normalise_name(phrase) in qualifiers:
                continue
            if n == 1 and "-" in phrase and ident.kb.resolve(phrase) is None:
                phrase = _hyphen_head(ident, phrase) or phrase
            if ident.kb.resolve(phrase) is None or ordinary_word(ident, phrase):
                continue
            taken.update(range(i, i + n))
            ref = EvidenceRef("", "names:free-text", phrase, "", "")
            for f in ident.resolver.name_facts("manufacturer", phrase, NAME_WEIGHT, ref, []):
                out.append((f.field, f.value, f.weight, f.ref.rule, f.ref.matched))
    if not out:
        out.extend(_subword_names(ident, [w for i, w in enumerate(words) if i not in taken]))
    return tuple(out)


#: Native names this short count only at the start of a run of their script (after a space,
#: punctuation or Latin text): written without spaces, they may be halves of two other words.
_SHORT_NATIVE = 2


def _native_names(ident: Identifier, text: str) -> list[tuple[str, str, float, str, str]]:
    """Names in a script written without spaces (``海康威视网络摄像机``), as substrings; a
    name inside a longer one found first (``海康`` in ``海康威视``) is not read again, and a
    two-character name only where a run of that script starts (``大华摄像机``, ``品牌: 大华``)."""
    out: list[tuple[str, str, float, str, str]] = []
    folded = text.casefold()
    for name in ident.kb.native_names:
        at = folded.find(name)
        if at < 0:
            continue
        if len(name) <= _SHORT_NATIVE and at > 0 and has_native_script(folded[at - 1]):
            continue  # two characters inside a run of others: maybe two words' halves (伟大|华人)
        seen = text[at : at + len(name)] if len(folded) == len(text) else name
        folded = folded[:at] + " " * len(name) + folded[at + len(name) :]
        ref = EvidenceRef("", "names:free-text", seen, "", "")
        for f in ident.resolver.name_facts("manufacturer", name, NAME_WEIGHT, ref, []):
            out.append((f.field, f.value, f.weight, f.ref.rule, f.ref.matched))
    return out


def _hyphen_head(ident: Identifier, word: str) -> str | None:
    """The KB name a word starts with when the rest is joined on by hyphens (a device named
    ``TP-Link-C200-<uuid>``, ``Dahua-NVR-Lobby``): its longest hyphen-part prefix that is one."""
    parts = word.split("-")
    for k in range(min(len(parts) - 1, 3), 0, -1):
        head = "-".join(parts[:k])
        if (len(head) >= 4 or (len(head) == 3 and head.isupper())) and ident.kb.resolve(
            head
        ) is not None:
            return head
    return None


def _after_number(text: str, short: str) -> bool:
    """A three-capital name written right after a number is a qualifier or a unit of it
    (``Ubuntu 20.04.4 LTS``, ``4 TB``), not a maker."""
    return re.search(rf"\d\s*{re.escape(short)}\b", text) is not None


def _after_word(text: str, name: str) -> bool:
    """``name`` written right after another word or number, a space apart (``Jenkins LTS``):
    the place of a qualifier of that word, not of a maker's name."""
    return re.search(rf"[\w.)+]\s+{re.escape(name)}\b", text) is not None


def ordinary_word(ident: Identifier, phrase: str) -> bool:
    """A maker name that is also an ordinary word, written here as one (lower case)."""
    return phrase.islower() and normalise_name(phrase) in ident.kb.prose_words


_SUBWORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _subword_names(ident: Identifier, words: list[str]) -> list[tuple[str, str, float, str, str]]:
    """Maker names run together with other words (``HikvisionDVR``, ``Dahua-NVR``): the
    case-change and hyphen parts of each word, four characters or more, that are a KB name."""
    out: list[tuple[str, str, float, str, str]] = []
    for word in words:
        parts = _SUBWORD.findall(word)
        if len(parts) < 2:
            continue
        for part in parts:
            if len(part) < 4 or ident.kb.resolve(part) is None or ordinary_word(ident, part):
                continue
            ref = EvidenceRef("", "names:free-text", part, "", "")
            for f in ident.resolver.name_facts("manufacturer", part, NAME_WEIGHT, ref, []):
                out.append((f.field, f.value, f.weight, f.ref.rule, f.ref.matched))
    return out


#: Words that make a register's prose about other kit (replaced, removed, not, ex-...).
_NEGATED = re.compile(
    r"(?i)\b(?:replac\w*|remov\w*|swap\w*|decommission\w*|instead of|non|not|no|ex|was|formerly)\b"
)
#: Weight of a KB maker or label name written in a register's free text or model column.
ASSET_NAME_WEIGHT = 0.65
#: Register columns whose text may name the maker (beyond the make column's own rules).
ASSET_NAME_FIELDS = ("description", "model", "notes", "comments", "make/model", "type")


def observe_asset_names(
    ident: Identifier,
    fields: Fields,
    obs: Observation,
    sha: str | None,
    others: tuple[str, ...] = (),
) -> None:
    """KB maker and label names in a register row's prose and model column ("foscam EH8135",
    "VICON-V2005D-W28IR") and in ``others`` (columns no rule reads), unless the text speaks of
    replacing or not having such kit."""
    for fname in (*ASSET_NAME_FIELDS, *others):
        for text in fields.get(fname):
            if _NEGATED.search(text):
                continue
            for field, value, w, rule, matched in name_template(ident, text):
                weight = w / NAME_WEIGHT * ASSET_NAME_WEIGHT
                ref = EvidenceRef("asset_row", rule, matched, fname, text[:200], sha)
                obs.facts.append(Fact(field, value, weight, ref))


_NAME_EDGES = " -:()[]/,;|\"'"


def _by_name(ident: Identifier, ref: EvidenceRef) -> bool:
    """A fact that rests on a maker or label name written in the text (not a model number, a
    MAC or a format)."""
    if ref.rule == "names:free-text":
        return True
    if ident.kb.pattern(ref.rule) is not None or ref.rule.startswith(("oui:", "grammar:")):
        return False
    matched = ref.matched.strip(_NAME_EDGES)
    return bool(matched) and ident.kb.resolve(matched) is not None


def without_lists(ident: Identifier, facts: list[Fact]) -> tuple[list[Fact], list[str]]:
    """``facts`` minus the maker names of any one text value that names two makers or more
    ("Supported cameras: Hikvision, Dahua, Axis", a VMS's brand list, "Hikvision NVR with Axis
    cameras"): such a value is a list, not this device's maker. Labels of one maker ("Lorex by
    Dahua", "LTS (Hikvision OEM)") name one maker and stay. Returns the kept facts and notes."""
    # makers per text value first (cheap); names are checked only where a value has several
    per_value: dict[tuple[str | None, str, str], dict[str, list[Fact]]] = {}
    for f in facts:
        if f.field == "manufacturer":
            key = (f.ref.sha256, f.ref.field, f.ref.value)
            per_value.setdefault(key, {}).setdefault(f.value, []).append(f)
    lists: dict[tuple[str | None, str, str], set[str]] = {}
    for key, by_maker in per_value.items():
        if len(by_maker) > 1:
            named = {m for m, fs in by_maker.items() if any(_by_name(ident, f.ref) for f in fs)}
            if len(named) > 1:
                lists[key] = named
    if not lists:
        return facts, []
    kept = [
        f
        for f in facts
        if not (
            f.field in ("manufacturer", "brand")
            and (f.ref.sha256, f.ref.field, f.ref.value) in lists
            and _by_name(ident, f.ref)
        )
    ]
    notes = [
        f"{field or 'text'} {value[:60]!r} names several makers ({', '.join(sorted(names))}): "
        "read as a list, not as this device's maker"
        for (_sha, field, value), names in lists.items()
    ]
    return kept, notes
