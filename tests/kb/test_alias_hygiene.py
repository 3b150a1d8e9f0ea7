"""Names in vendors.yaml are whole names: an unquoted comma in a YAML flow list ("[..., seeed
technology co., ltd.]") splits a legal name and leaves a bare "ltd." alias that names a maker in
every "Co., LTD" text (found red-teaming the KB on IEEE registrant names)."""

from __future__ import annotations

import re

from camaudit.kb import load_kb

_SUFFIX = re.compile(
    r"(?:co|co ltd|ltd|limited|inc|llc|corp|corporation|company|gmbh|sa|s a|ag|plc|bv|oy|ab|"
    r"technology|technologies|electronics|systems|group|international)"
)


def test_no_name_is_a_bare_company_suffix() -> None:
    kb = load_kb()
    bare = sorted(n for n in kb.known_names() if _SUFFIX.fullmatch(n))
    assert bare == []
