"""The evidence exchange format (JSON Lines): parse, validate, write.

One observation per line::

    {"kind": "http", "ip": "127.20.0.5", "port": 80, "data": "HTTP/1.1 401 ...", "mac": "..."}

``data`` is text (or an object for ``asset_row``); binary payloads use ``data_b64``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from camaudit.errors import EvidenceFormatError, InputError
from camaudit.models import Evidence, EvidenceKind

#: Largest payload accepted from one record (bytes). Larger evidence is truncated, not rejected.
MAX_PAYLOAD = 1 << 20

_KINDS = {k.value for k in EvidenceKind}


def parse_kind(value: str) -> EvidenceKind:
    """The :class:`EvidenceKind` named by ``value``, or an :class:`InputError` listing the kinds."""
    try:
        return EvidenceKind(value.strip().lower())
    except ValueError:
        raise InputError(
            f"unknown evidence kind {value!r}; expected one of: {', '.join(sorted(_KINDS))}"
        ) from None


def evidence_from_record(
    rec: Any, *, line: int | None = None, source: str | None = None
) -> Evidence:
    """Validate one decoded JSON object and turn it into :class:`Evidence`."""
    if not isinstance(rec, dict):
        raise EvidenceFormatError("record is not a JSON object", line=line, source=source)
    kind_raw = rec.get("kind")
    if not isinstance(kind_raw, str) or kind_raw.strip().lower() not in _KINDS:
        raise EvidenceFormatError(
            f"missing or unknown 'kind' ({kind_raw!r})", line=line, source=source
        )
    kind = EvidenceKind(kind_raw.strip().lower())
    payload: bytes
    if "data_b64" in rec:
        b64 = rec["data_b64"]
        if not isinstance(b64, str):
            raise EvidenceFormatError("'data_b64' must be a string", line=line, source=source)
        try:
            payload = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise EvidenceFormatError(
                "'data_b64' is not valid base64", line=line, source=source
            ) from None
    elif "data" in rec:
        data = rec["data"]
        if isinstance(data, dict):
            payload = json.dumps(
                {str(k): "" if v is None else str(v) for k, v in data.items()},
                sort_keys=True,
                ensure_ascii=False,
            ).encode("utf-8")
        elif isinstance(data, str):
            payload = data.encode("utf-8", errors="surrogatepass")
        else:
            raise EvidenceFormatError(
                "'data' must be a string or an object", line=line, source=source
            )
    else:
        raise EvidenceFormatError(
            "record has neither 'data' nor 'data_b64'", line=line, source=source
        )
    if kind is EvidenceKind.ASSET_ROW and not payload.startswith(b"{"):
        # A bare string for an asset row: treat as its description.
        payload = json.dumps({"description": payload.decode("utf-8", "replace")}).encode()
    port = rec.get("port")
    if port is not None:
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise EvidenceFormatError(f"bad port {port!r}", line=line, source=source)
    ts = rec.get("ts")
    when: datetime | None = None
    if isinstance(ts, str):
        try:
            when = datetime.fromisoformat(ts)
        except ValueError:
            raise EvidenceFormatError(f"bad timestamp {ts!r}", line=line, source=source) from None
    return Evidence(
        kind=kind,
        payload=payload[:MAX_PAYLOAD],
        ip=_opt_str(rec.get("ip")),
        port=port,
        mac=_opt_str(rec.get("mac")),
        ts=when,
        source=_opt_str(rec.get("source")),
        truncated=rec.get("truncated") is True or len(payload) > MAX_PAYLOAD,
    )


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def iter_jsonl(stream: IO[str], *, source: str | None = None) -> Iterator[Evidence]:
    """Stream :class:`Evidence` from JSON Lines; blank lines are skipped."""
    for n, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvidenceFormatError(f"invalid JSON ({exc.msg})", line=n, source=source) from None
        yield evidence_from_record(rec, line=n, source=source)


def read_jsonl(path: str | Path) -> Iterator[Evidence]:
    """Stream evidence from a JSON Lines file, with clear errors for unreadable files."""
    p = Path(path)
    try:
        fh = p.open(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    with fh:
        yield from iter_jsonl(fh, source=str(p))


def read_raw_file(path: str | Path, kind: EvidenceKind) -> Evidence:
    """One evidence record from a raw file (a saved response, a banner, an XML document)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    if kind is EvidenceKind.ASSET_ROW:
        text = data.decode("utf-8", "replace").strip()
        if text.startswith("{"):
            try:
                return evidence_from_record(
                    {"kind": kind.value, "data": json.loads(text)}, source=str(p)
                )
            except json.JSONDecodeError:
                pass
        return evidence_from_record({"kind": kind.value, "data": text}, source=str(p))
    return Evidence(kind=kind, payload=data[:MAX_PAYLOAD], source=str(p))


def write_jsonl(evidence: Iterable[Evidence], stream: IO[str]) -> int:
    """Write evidence in the exchange format; returns how many records were written."""
    n = 0
    for ev in evidence:
        stream.write(json.dumps(ev.to_record(), ensure_ascii=False) + "\n")
        n += 1
    return n


_GUESSES: tuple[tuple[EvidenceKind, tuple[str, ...]], ...] = (
    (EvidenceKind.HTTP, ("http/1.", "http/2")),
    (EvidenceKind.RTSP, ("rtsp/1.",)),
    (EvidenceKind.TLS, ("-----begin certificate",)),
)


def guess_kind(payload: bytes) -> EvidenceKind | None:
    """Best guess of a raw file's evidence kind from its content, or None when unsure."""
    head = payload[:4096].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    low = head.lower()
    for kind, prefixes in _GUESSES:
        if low.startswith(prefixes):
            return kind
    if "onvif://www.onvif.org/" in low:
        return EvidenceKind.WSD_PROBEMATCH
    if "getdeviceinformationresponse" in low:
        return EvidenceKind.ONVIF_DEVINFO
    if "<probematch" in low and ("devicesn" in low or "devicedescription" in low):
        return EvidenceKind.SADP
    if "<deviceinfo" in low and ("firmwareversion" in low or "hikvision" in low):
        return EvidenceKind.ISAPI
    if "urn:schemas-upnp-org:device" in low:
        return EvidenceKind.UPNP
    if "notifydevinfo" in low or ('"devicetype"' in low and '"serialno"' in low):
        return EvidenceKind.DHIP
    if low.startswith(("220 ", "220-", "ssh-")):
        return EvidenceKind.BANNER
    if low.startswith(("subject=", "cn=", "c=", "o=")):
        return EvidenceKind.TLS
    return None
