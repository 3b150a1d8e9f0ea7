"""Showing raw evidence safely: a text or hex preview, and the bytes as a download."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.responses import Response

from camaudit.estate import EvidenceInfo

PREVIEW_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Preview:
    text: str | None  # the bytes as UTF-8, when they are text
    hexdump: str | None  # otherwise an offset/hex/ASCII dump
    truncated: bool


def preview(payload: bytes) -> Preview:
    head = payload[:PREVIEW_BYTES]
    truncated = len(payload) > PREVIEW_BYTES
    try:
        text = head.decode("utf-8")
        if not any(ord(c) < 9 or 13 < ord(c) < 32 for c in text):
            return Preview(text, None, truncated)
    except UnicodeDecodeError:
        pass
    lines = []
    for off in range(0, min(len(head), 4096), 16):
        chunk = head[off : off + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexes:<47}  {shown}")
    return Preview(None, "\n".join(lines), truncated or len(head) > 4096)


def raw_response(info: EvidenceInfo, payload: bytes) -> Response:
    """The exact stored bytes as an attachment named by their SHA-256 (never rendered)."""
    return Response(
        payload,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{info.kind.value}-{info.sha256}.bin"',
            "X-Evidence-SHA256": info.sha256,
        },
    )
