"""Load a published survey (requests, recipients, responses) from a YAML record file.

The shipped ``data/survey-scotland-2025-01.yaml`` recreates the January 2025 survey of Scotland's
councils; the format is documented in docs/oversight.md. Recipients are given by body keys or by
``kind``/``nation``; a response without ``body`` is "reported but not named" (``count`` of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from camaudit.errors import InputError
from camaudit.oversight.bodies import DATA_DIR
from camaudit.oversight.service import draft_request, list_bodies, record_response, send_request
from camaudit.oversight.types import Caller, InfoRequest, ResponseStatus
from camaudit.store import Store

SHIPPED_SURVEYS = {"scotland-2025-01": DATA_DIR / "survey-scotland-2025-01.yaml"}


@dataclass(frozen=True, slots=True)
class LoadedSurvey:
    round: str
    requests: tuple[InfoRequest, ...]
    responses: int


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def load_survey(store: Store, caller: Caller, path: Path) -> LoadedSurvey:
    """Record every request, recipient and response of the survey file."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read survey {path}: {exc}") from None
    if not isinstance(doc, dict) or "round" not in doc or not doc.get("requests"):
        raise InputError(f"{path}: a survey needs a round and requests")
    bodies = list_bodies(store, caller)
    made: list[InfoRequest] = []
    count = 0
    for n, item in enumerate(doc["requests"], start=1):
        where = f"{path.name} request {n}"
        req = draft_request(
            store,
            caller,
            str(item.get("title", "")),
            [str(q) for q in item.get("questions") or []],
            str(doc["round"]),
            source=item.get("source"),
        )
        sel = item.get("recipients") or {}
        if "keys" in sel:
            keys = [str(k) for k in sel["keys"]]
        else:
            keys = [
                b.key
                for b in bodies
                if b.kind == sel.get("kind", b.kind) and b.nation == sel.get("nation", b.nation)
            ]
        if not keys:
            raise InputError(
                f"{where}: no recipients (load the bodies first: camaudit bodies load)"
            )
        send_request(store, caller, req.id, keys, sent=_date(sel.get("sent") or item.get("sent")))
        for resp in item.get("responses") or []:
            try:
                status = ResponseStatus.parse(str(resp["status"]))
            except (KeyError, ValueError) as exc:
                raise InputError(f"{where}: {exc}") from None
            for _ in range(int(resp.get("count", 1))):
                record_response(
                    store,
                    caller,
                    req.id,
                    resp.get("body"),
                    status,
                    received=_date(resp.get("received") or item.get("received")),
                    text=str(resp.get("text", "")).strip(),
                    exemption=resp.get("exemption"),
                    source=resp.get("source") or item.get("source"),
                )
                count += 1
        made.append(req)
    return LoadedSurvey(str(doc["round"]), tuple(made), count)
