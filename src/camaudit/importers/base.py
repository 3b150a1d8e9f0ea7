"""Plumbing shared by the importers: evidence construction with a uniform ``source``, bounded
reading of (optionally gzipped) files, a streaming reader of JSON documents, and strict MAC and
IP address parsing.

Every importer reads untrusted files: lines, documents and payloads are capped, and any problem
with the input becomes an :class:`~camaudit.errors.EvidenceFormatError` naming where it is.
"""

from __future__ import annotations

import codecs
import gzip
import io
import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from camaudit.errors import CamauditError, EvidenceFormatError, InputError
from camaudit.evidence import MAX_PAYLOAD
from camaudit.models import Evidence, EvidenceKind

#: Longest line a line-oriented importer accepts (bytes).
MAX_LINE = 8 * 1024 * 1024
#: Largest single JSON document in a stream of documents (bytes of text).
MAX_DOCUMENT = 32 * 1024 * 1024
_CHUNK = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def source_label(fmt: str, path: Path, where: str, detail: str | None = None) -> str:
    """``import:<format> <file>:<where>`` plus an optional detail (what in that record)."""
    label = f"import:{fmt} {path.name}:{where}"
    return f"{label} {detail}" if detail else label


def make_evidence(
    kind: EvidenceKind,
    payload: bytes | str,
    source: str,
    *,
    ip: str | None = None,
    port: int | None = None,
    mac: str | None = None,
    ts: datetime | None = None,
) -> Evidence:
    """An :class:`Evidence` with its payload capped at the exchange format's maximum."""
    data = payload.encode("utf-8", errors="surrogatepass") if isinstance(payload, str) else payload
    return Evidence(kind, data[:MAX_PAYLOAD], ip=ip, port=port, mac=mac, ts=ts, source=source)


def mapping(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for optional nested records)."""
    return value if isinstance(value, dict) else {}


def asset_row_payload(row: dict[str, str]) -> bytes:
    """The canonical JSON form of an ``asset_row`` object (as the exchange format stores it)."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8")


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, transparently decompressing gzip."""
    try:
        fh: IO[bytes] = path.open("rb")
        magic = fh.read(2)
        fh.seek(0)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def read_head(path: Path, size: int = 8192) -> bytes:
    """The first ``size`` bytes of a file (decompressed if gzipped); empty when unreadable."""
    try:
        with open_binary(path) as fh:
            return fh.read(size)
    except (InputError, OSError, EOFError):
        return b""


def iter_raw_lines(path: Path, max_line: int = MAX_LINE) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of each line, each at most ``max_line`` bytes."""
    with open_binary(path) as fh:
        number = 0
        while True:
            try:
                raw = fh.readline(max_line + 1)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise EvidenceFormatError(
                    f"unreadable data after line {number} ({exc})", source=str(path)
                ) from None
            if not raw:
                return
            number += 1
            if len(raw) > max_line and not raw.endswith(b"\n"):
                raise EvidenceFormatError(
                    f"line longer than {max_line} bytes", line=number, source=str(path)
                )
            yield number, raw


def iter_text_lines(path: Path, max_line: int = MAX_LINE) -> Iterator[tuple[int, str]]:
    """Decoded lines without line endings (encoding from :func:`sniff_encoding`), each at most
    ``max_line`` characters."""
    encoding = sniff_encoding(path)
    with (
        open_binary(path) as raw,
        io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=None) as fh,
    ):
        number = 0
        while True:
            try:
                line = fh.readline(max_line + 1)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise EvidenceFormatError(
                    f"unreadable data after line {number} ({exc})", source=str(path)
                ) from None
            if not line:
                return
            number += 1
            if len(line) > max_line and not line.endswith("\n"):
                raise EvidenceFormatError(
                    f"line longer than {max_line} characters", line=number, source=str(path)
                )
            if number == 1:
                line = line.lstrip("\ufeff")
            yield number, line.rstrip("\r\n")


def sniff_encoding(path: Path, limit: int = 64 * 1024 * 1024) -> str:
    """``utf-16`` for a file with a UTF-16 byte-order mark (Windows "Unicode text" exports),
    ``utf-8`` (BOM tolerated) if the file decodes as UTF-8 (checked incrementally), else
    ``cp1252`` (spreadsheet exports in the Windows ANSI code page)."""
    head = read_head(path, 4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen = 0
    try:
        with open_binary(path) as fh:
            while seen < limit:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    decoder.decode(b"", final=True)
                    break
                seen += len(chunk)
                decoder.decode(chunk)
    except UnicodeDecodeError:
        return "cp1252"
    except (OSError, EOFError, gzip.BadGzipFile):
        return "utf-8"
    return "utf-8-sig"


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """One JSON value from a stream, with the line it starts on and its index (1-based)."""

    value: Any
    line: int
    index: int


def iter_json_documents(path: Path, max_document: int = MAX_DOCUMENT) -> Iterator[JsonDocument]:
    """Stream JSON values from JSON Lines, concatenated JSON, or a top-level array.

    JSON Lines (each non-blank line one value) is read line by line. Anything else (a
    pretty-printed document, an array of documents) is decoded incrementally: the elements of a
    top-level array are yielded one by one, so the whole array is never held in memory.
    """
    first = _first_line(path)
    if first is not None and _is_whole_json(first):
        yield from _json_lines(path)
    else:
        yield from _json_stream(path, max_document)


def _first_line(path: Path) -> bytes | None:
    for _, raw in iter_raw_lines(path):
        if raw.strip():
            return raw.strip()
    return None


def _is_whole_json(line: bytes) -> bool:
    if not line.startswith(b"{"):
        return False
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any, depth: int = 0) -> Any:
    """``value`` with lone UTF-16 surrogates (legal in JSON text, not in UTF-8) replaced."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if depth > 64:
        return value
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_surrogates(v, depth + 1) for v in value]
    return value


def _may_hold_surrogates(text: str | bytes) -> bool:
    return (
        ("\\ud" in text or "\\uD" in text)
        if isinstance(text, str)
        else (b"\\ud" in text or b"\\uD" in text)
    )


def _json_lines(path: Path) -> Iterator[JsonDocument]:
    index = 0
    for number, raw in iter_raw_lines(path):
        if not raw.strip():
            continue
        index += 1
        try:
            value = json.loads(raw)
            if _may_hold_surrogates(raw):
                value = _no_surrogates(value)
        except json.JSONDecodeError as exc:
            raise EvidenceFormatError(
                f"record {index}: invalid JSON ({exc.msg} at column {exc.colno})",
                line=number,
                source=str(path),
            ) from None
        except (ValueError, RecursionError):
            raise EvidenceFormatError(
                f"record {index}: invalid or too deeply nested JSON", line=number, source=str(path)
            ) from None
        yield JsonDocument(value, number, index)


_SEPARATORS = frozenset(" \t\r\n,[]\ufeff")


def _json_stream(path: Path, max_document: int) -> Iterator[JsonDocument]:
    decoder = json.JSONDecoder()
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    pos = 0
    line = 1  # line number at ``pos``
    index = 0
    eof = False
    with open_binary(path) as fh:

        def more(size: int) -> bool:
            nonlocal buf, pos, eof
            try:
                chunk = fh.read(size)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise EvidenceFormatError(
                    f"unreadable data ({exc})", line=line, source=str(path)
                ) from None
            buf = buf[pos:] + text_decoder.decode(chunk, final=not chunk)
            pos = 0
            eof = not chunk
            return bool(chunk)

        more(_CHUNK)
        while True:
            while pos < len(buf) and buf[pos] in _SEPARATORS:
                if buf[pos] == "\n":
                    line += 1
                pos += 1
            if pos >= len(buf):
                if eof or not more(_CHUNK):
                    return
                continue
            start = pos
            want = _CHUNK
            while True:
                try:
                    value, end = decoder.raw_decode(buf, pos)
                    if _may_hold_surrogates(buf[pos:end]):
                        value = _no_surrogates(value)
                    break
                except json.JSONDecodeError as exc:
                    if eof or not _maybe_incomplete(exc, len(buf)):
                        where = line + buf.count("\n", start, exc.pos)
                        raise EvidenceFormatError(
                            f"record {index + 1}: invalid JSON ({exc.msg})",
                            line=where,
                            source=str(path),
                        ) from None
                    pending = len(buf) - pos
                    if pending > max_document:
                        raise EvidenceFormatError(
                            f"record {index + 1}: JSON document larger than {max_document} bytes",
                            line=line,
                            source=str(path),
                        ) from None
                    want = max(want, pending)
                    more(want)
                    start = pos
                except (RecursionError, ValueError) as exc:
                    what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                    raise EvidenceFormatError(
                        f"record {index + 1}: unreadable JSON ({what[:120]})",
                        line=line,
                        source=str(path),
                    ) from None
            index += 1
            yield JsonDocument(value, line, index)
            line += buf.count("\n", pos, end)
            pos = end


def _maybe_incomplete(exc: json.JSONDecodeError, size: int) -> bool:
    """Whether a decode error may only mean that the buffer ends inside the document."""
    return exc.msg.startswith("Unterminated") or exc.pos >= size - 8


_MAC_SEPARATED = re.compile(
    r"^([0-9A-Fa-f]{1,2})([:-])([0-9A-Fa-f]{1,2})(?:\2[0-9A-Fa-f]{1,2}){4}$"
)
_MAC_DOTTED = re.compile(r"^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$")
_MAC_BARE = re.compile(r"^[0-9A-Fa-f]{12}$")


def parse_mac(text: str) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` from a whole-string MAC address in a common spelling, else None.

    Accepts ``AA:BB:..``, ``aa-bb-..``, ``aabb.ccdd.eeff`` (Cisco), ``aabbccddeeff`` and the
    single-digit octets macOS prints (``0:11:22:3:4:5``).
    """
    value = text.strip()
    if _MAC_SEPARATED.match(value):
        octets = re.split(r"[:-]", value)
        return ":".join(o.lower().zfill(2) for o in octets)
    if _MAC_DOTTED.match(value) or _MAC_BARE.match(value):
        plain = value.replace(".", "").lower()
        return ":".join(plain[i : i + 2] for i in range(0, 12, 2))
    return None


def is_unicast_mac(mac: str) -> bool:
    """A real interface address: not all-zero, not broadcast, not multicast."""
    first = int(mac[:2], 16)
    return not first & 1 and mac != "00:00:00:00:00:00"


def parse_ip(text: str) -> str | None:
    """The canonical text of an IPv4/IPv6 address (an IPv6 zone is dropped), else None."""
    value = text.strip().strip("[]")
    if "%" in value:
        value = value.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def parse_timestamp(value: object) -> datetime | None:
    """A UTC datetime from epoch seconds (number or digits) or ISO 8601 text, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):  # out of datetime's range: no time
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return parse_timestamp(int(text)) if len(text) <= 20 else None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def guarded(records: Iterator[Evidence], path: Path, fmt: str) -> Iterator[Evidence]:
    """The records of an importer, with any failure on the file's bytes turned into an
    :class:`EvidenceFormatError` naming the file and how far it got.

    An isolation boundary: an importer meets bytes nobody checked, and whatever a parser raises
    on them (a codec lookup, an integer limit, a date out of range) means "this file is bad",
    never "camaudit is broken". Errors of camaudit's own tree pass through unchanged.
    """
    count = 0
    try:
        for ev in records:
            count += 1
            yield ev
    except (CamauditError, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else ""
        raise EvidenceFormatError(
            f"not a readable {fmt} file after {count} record(s): "
            f"{type(exc).__name__}{': ' + detail if detail else ''}",
            source=str(path),
        ) from None
