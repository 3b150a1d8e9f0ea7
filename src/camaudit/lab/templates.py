"""Placeholder templates used in persona data.

Two kinds of placeholder:

* ``{name}`` — replaced by the value of ``name`` in a context (``{model}``, ``{mac_plain}``...).
  A name that is not in the context is left as it is, so JSON, XML, CSS and JavaScript can be
  written without escaping braces.
* ``{gen:N}`` — N random characters from a generator alphabet: ``digits``, ``hex`` (lower
  case), ``HEX`` (upper case), ``alpha`` (upper-case letters) and ``alnum`` (upper-case letters
  and digits). At fleet-build time the generator draws from the fleet's seeded RNG, so a device's
  identity is deterministic; at request time it draws from the system RNG.

Persona variables may refer to other variables; :func:`resolve_vars` expands them in a fixed
order, so that a seeded RNG gives the same result every time.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterable, Mapping

from camaudit.errors import LabError

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([0-9]{1,3}))?\}")

GENERATORS: dict[str, str] = {
    "digits": string.digits,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "alpha": string.ascii_uppercase,
    "alnum": string.ascii_uppercase + string.digits,
}

_SYSTEM_RNG = random.SystemRandom()


def render(
    template: str,
    context: Mapping[str, str],
    rng: random.Random | None = None,
) -> str:
    """Fill ``template`` from ``context``; generators draw from ``rng`` (system RNG if None)."""
    if "{" not in template:
        return template
    chooser = rng if rng is not None else _SYSTEM_RNG

    def substitute(match: re.Match[str]) -> str:
        name, count = match.group(1), match.group(2)
        if count is not None:
            alphabet = GENERATORS.get(name)
            if alphabet is None:
                return match.group(0)
            return "".join(chooser.choice(alphabet) for _ in range(int(count)))
        value = context.get(name)
        return match.group(0) if value is None else value

    return PLACEHOLDER.sub(substitute, template)


def names_used(template: str) -> set[str]:
    """Names of the plain ``{name}`` placeholders in a template (generators excluded)."""
    return {m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(2) is None}


def unknown_names(templates: Iterable[str], known: Iterable[str]) -> set[str]:
    """Plain placeholder names used by ``templates`` that are not in ``known``."""
    known_set = set(known)
    found: set[str] = set()
    for template in templates:
        found |= names_used(template) - known_set
    return found


def resolve_vars(
    raw: Mapping[str, str],
    base: Mapping[str, str],
    rng: random.Random,
) -> dict[str, str]:
    """Expand variable templates that may refer to each other and to ``base``.

    Variables are expanded in sorted-name order (depth first through references), so that the
    draws from ``rng`` — and therefore the result — depend only on the data and the seed.
    A reference cycle raises :class:`LabError`.
    """
    resolved: dict[str, str] = {}
    in_progress: list[str] = []

    def resolve(name: str) -> str:
        if name in resolved:
            return resolved[name]
        if name in in_progress:
            chain = " -> ".join([*in_progress, name])
            raise LabError(f"persona variables refer to each other in a cycle: {chain}")
        in_progress.append(name)
        template = raw[name]
        context: dict[str, str] = dict(base)
        for ref in sorted(names_used(template)):
            if ref in raw and ref not in base:
                context[ref] = resolve(ref)
        value = render(template, context, rng)
        in_progress.pop()
        resolved[name] = value
        return value

    for var_name in sorted(raw):
        if var_name not in base:
            resolve(var_name)
    return resolved
