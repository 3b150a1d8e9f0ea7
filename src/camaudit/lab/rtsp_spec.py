"""The ``rtsp:`` section of a persona: headers, auth and the streams it describes.

YAML shape (strings are templates; request names ``cseq``, ``url``, ``path``, ``nonce``,
``stale``, ``date_http``, ``session_id`` are filled per request)::

    rtsp:
      headers: [[Server, "{rtsp_server}"], [Date, "{date_http}"]]   # after CSeq, every answer
      public: "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"
      options_auth: false        # true: OPTIONS needs credentials too
      auth: digest               # digest | basic | any (what DESCRIBE accepts)
      realm: "{realm}"
      nonce_style: hex32
      challenges: ['Digest realm="{realm}", nonce="{nonce}"', ['Basic realm="x"', old_era]]
      paths: [/Streaming/Channels/101, /Streaming/Channels/102]   # prefixes; query ignored
      sdp: |                     # the DESCRIBE body (LF line ends become CRLF)
        v=0
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from camaudit.lab.digest import NONCE_STYLES
from camaudit.lab.spec_parsing import (
    FieldSpec,
    check_keys,
    choice,
    fail,
    field_templates,
    fields,
    flag,
    mapping,
    optional_text,
    text,
    text_list,
)

AUTH_MODES = ("digest", "basic", "any")
_KEYS = (
    "headers",
    "public",
    "options_auth",
    "auth",
    "realm",
    "nonce_style",
    "challenges",
    "paths",
    "sdp",
    "unauthorized_body",
)


@dataclass(frozen=True, slots=True)
class RtspSpec:
    headers: tuple[FieldSpec, ...]
    public: str
    options_auth: bool
    auth: str
    realm: str
    nonce_style: str
    challenges: tuple[FieldSpec, ...]  # ("", template, when)
    paths: tuple[str, ...]
    sdp: str
    unauthorized_body: str = ""

    def templates(self) -> Iterator[str]:
        yield from field_templates(self.headers)
        yield from (self.public, self.realm, self.sdp, self.unauthorized_body)
        yield from field_templates(self.challenges)
        yield from self.paths


def _challenges(value: Any, where: str) -> tuple[FieldSpec, ...]:
    """Templates, each optionally ``[template, when]`` (a challenge only some eras send)."""
    if not isinstance(value, list) or not value:
        raise fail(where, "expected a non-empty list")
    out: list[FieldSpec] = []
    for i, item in enumerate(value):
        if isinstance(item, list) and len(item) == 2:
            out.append(("", text(item[0], f"{where}[{i}]"), str(item[1])))
        else:
            out.append(("", text(item, f"{where}[{i}]"), None))
    return tuple(out)


def parse_rtsp_spec(raw: Any, where: str = "rtsp") -> RtspSpec:
    data = mapping(raw, where)
    check_keys(data, _KEYS, where)
    style = choice(data, "nonce_style", where, NONCE_STYLES)
    paths = text_list(data.get("paths"), f"{where}.paths", allow_empty=False)
    if not all(p.startswith("/") for p in paths):
        raise fail(f"{where}.paths", "every path must start with /")
    return RtspSpec(
        headers=fields(data.get("headers"), f"{where}.headers"),
        public=optional_text(data, "public", where, "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"),
        options_auth=flag(data, "options_auth", where, False),
        auth=choice(data, "auth", where, AUTH_MODES),
        realm=optional_text(data, "realm", where, "{realm}"),
        nonce_style=style,
        challenges=_challenges(data.get("challenges"), f"{where}.challenges"),
        paths=paths,
        sdp=text(data.get("sdp", ""), f"{where}.sdp"),
        unauthorized_body=optional_text(data, "unauthorized_body", where, ""),
    )
