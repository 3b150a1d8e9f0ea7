"""The ``tls:`` section of a persona: how its default certificate looks.

YAML shape (names are written in display order, as ``openssl x509 -subject`` or RFC 4514 print
them, most specific first)::

    tls:
      subject: [[CN, "www.hikvision.com"], [OU, DVRNVR], [O, HIKVISION], [C, CN]]
      issuer: [[CN, "..."], [O, "..."]]   # optional: absent means self-signed
      key: rsa2048                        # rsa1024 | rsa2048 | ec256 (one key per persona)
      not_before: "{tls_not_before}"      # YYYY-MM-DD template (device variable)
      valid_days: 3650
      san_ip: false                       # add the device address as a subjectAltName
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from camaudit.lab.spec_parsing import check_keys, choice, fail, flag, mapping, number, text

KEY_TYPES = ("rsa2048", "rsa1024", "ec256")
NAME_ATTRIBUTES = ("CN", "OU", "O", "L", "ST", "C", "emailAddress", "serialNumber")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NameSpec = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class TlsSpec:
    subject: NameSpec
    issuer: NameSpec | None = None
    key: str = "rsa2048"
    not_before: str = "2020-01-01"
    valid_days: int = 3650
    san_ip: bool = False

    def templates(self) -> Iterator[str]:
        for _, value in self.subject + (self.issuer or ()):
            yield value
        yield self.not_before


def is_date(value: str) -> bool:
    return bool(_DATE.match(value))


def _name(value: Any, where: str) -> NameSpec:
    if not isinstance(value, list) or not value:
        raise fail(where, "expected a non-empty list of [attribute, value]")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, list) or len(item) != 2 or item[0] not in NAME_ATTRIBUTES:
            raise fail(
                f"{where}[{i}]", f"expected [attribute, value], attribute in {NAME_ATTRIBUTES}"
            )
        out.append((str(item[0]), text(item[1], f"{where}[{i}]")))
    return tuple(out)


def parse_tls_spec(raw: Any, where: str = "tls") -> TlsSpec:
    data = mapping(raw, where)
    check_keys(data, ("subject", "issuer", "key", "not_before", "valid_days", "san_ip"), where)
    not_before = text(data.get("not_before", "2020-01-01"), f"{where}.not_before")
    if "{" not in not_before and not is_date(not_before):
        raise fail(f"{where}.not_before", "expected YYYY-MM-DD or a template")
    return TlsSpec(
        subject=_name(data.get("subject"), f"{where}.subject"),
        issuer=None if data.get("issuer") is None else _name(data["issuer"], f"{where}.issuer"),
        key=choice(data, "key", where, KEY_TYPES),
        not_before=not_before,
        valid_days=int(number(data, "valid_days", where, 3650, minimum=1)),
        san_ip=flag(data, "san_ip", where, False),
    )
