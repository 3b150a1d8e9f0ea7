"""Query parameters shared by the pages and the API (lenient: empty means "any")."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Path, Query

from camaudit.errors import InputError
from camaudit.estate import DeviceFilter
from camaudit.models import Severity


def _opt(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def device_filter(
    org: str | None = Query(None, description="Organisation name"),
    site: str | None = Query(None, description="Site name ('unknown' for none)"),
    maker: str | None = Query(None, description="Manufacturer"),
    family: str | None = Query(None, description="Vendor family (maker, else label)"),
    policy: str | None = Query(None, description="Policy id with a finding or restriction"),
    severity: str | None = Query(None, description="At least this severe: info .. critical"),
    since: str | None = Query(None, description="Seen on or after this day (YYYY-MM-DD)"),
    restricted: str | None = Query(None, description="yes / no"),
    q: str | None = Query(None, description="Text to search for", max_length=200),
) -> DeviceFilter:
    sev = None
    if _opt(severity):
        try:
            sev = Severity(str(severity).strip().lower())
        except ValueError:
            raise InputError(
                f"severity is one of: {', '.join(s.value for s in Severity)}"
            ) from None
    day = None
    if _opt(since):
        try:
            day = date.fromisoformat(str(since).strip())
        except ValueError:
            raise InputError("since is a day, YYYY-MM-DD") from None
    flag = _opt(restricted)
    if flag is not None and flag.lower() not in ("yes", "no", "true", "false", "1", "0"):
        raise InputError("restricted is yes or no")
    return DeviceFilter(
        org=_opt(org),
        site=_opt(site),
        maker=_opt(maker),
        family=_opt(family),
        policy=_opt(policy),
        severity=sev,
        seen_since=day,
        restricted=None if flag is None else flag.lower() in ("yes", "true", "1"),
        q=_opt(q),
    )


#: Largest object id (the store's ids are 32-bit on PostgreSQL).
MAX_ID = 2**31 - 1
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="An object id")]
FormId = Annotated[int, Form(ge=1, le=MAX_ID)]
