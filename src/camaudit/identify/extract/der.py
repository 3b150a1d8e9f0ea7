"""A tolerant reader of X.509 names from DER bytes that a strict parser refuses.

Devices serve certificates with invalid versions, bad encodings or absurd sizes, and byte caps cut
them. The subject and issuer still say who made the device, so this walks the TLV structure just
far enough to read them: bounded, no recursion beyond a name's fixed depth, never raises.
"""

from __future__ import annotations

#: Attribute OIDs (DER content bytes) → the short names the ``tls`` fields use.
_ATTRS: dict[bytes, str] = {
    bytes([0x55, 0x04, 0x03]): "cn",
    bytes([0x55, 0x04, 0x06]): "c",
    bytes([0x55, 0x04, 0x07]): "l",
    bytes([0x55, 0x04, 0x08]): "st",
    bytes([0x55, 0x04, 0x0A]): "o",
    bytes([0x55, 0x04, 0x0B]): "ou",
    bytes([0x55, 0x04, 0x05]): "serialnumber",
    bytes([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01]): "emailaddress",
}
_MAX_RDNS = 64
_MAX_VALUE = 4096


def _tlv(buf: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, start of content, end of content) of the TLV at ``pos``; the end is clamped to the
    buffer, so a truncated element still yields what it has."""
    if pos + 2 > len(buf):
        return None
    tag = buf[pos]
    first = buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(buf):
            return None
        length = int.from_bytes(buf[pos : pos + count], "big")
        pos += count
    return tag, pos, min(pos + length, len(buf))


def _children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    pos = start
    while pos < end and len(out) < _MAX_RDNS:
        got = _tlv(buf, pos)
        if got is None:
            break
        out.append(got)
        if got[2] <= pos:
            break
        pos = got[2]
    return out


def _text(raw: bytes, tag: int) -> str:
    raw = raw[:_MAX_VALUE]
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", errors="replace")
    if tag == 0x1C:  # UniversalString
        return raw.decode("utf-32-be", errors="replace")
    return raw.decode("utf-8", errors="replace")


def _name(buf: bytes, start: int, end: int) -> list[tuple[str, str]]:
    """``(short name, value)`` pairs of a Name (SEQUENCE OF SET OF AttributeTypeAndValue)."""
    pairs: list[tuple[str, str]] = []
    for tag, s, e in _children(buf, start, end):
        if tag != 0x31:
            continue
        for atag, a_s, a_e in _children(buf, s, e):
            if atag != 0x30:
                continue
            parts = _children(buf, a_s, a_e)
            if len(parts) < 2 or parts[0][0] != 0x06:
                continue
            short = _ATTRS.get(buf[parts[0][1] : parts[0][2]])
            if short:
                vtag, v_s, v_e = parts[1]
                pairs.append((short, _text(buf[v_s:v_e], vtag).strip()))
    return pairs


def read_names(der: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
    """Subject and issuer attributes of a (possibly invalid or truncated) DER certificate, or
    None when the bytes do not have a certificate's outer shape."""
    try:
        outer = _tlv(der, 0)
        if outer is None or outer[0] != 0x30:
            return None
        tbs = _tlv(der, outer[1])
        if tbs is None or tbs[0] != 0x30:
            return None
        fields = _children(der, tbs[1], tbs[2])
        if fields and fields[0][0] == 0xA0:  # [0] version, whatever value it holds
            fields = fields[1:]
        # serialNumber, signature, issuer, validity, subject
        if len(fields) < 3 or fields[2][0] != 0x30:
            return None
        issuer = _name(der, fields[2][1], fields[2][2])
        subject = _name(der, fields[4][1], fields[4][2]) if len(fields) > 4 else []
        return subject, issuer
    except (IndexError, ValueError):
        return None


def rdn_string(pairs: list[tuple[str, str]]) -> str:
    """The pairs as an RFC 4514-like string, most specific first (as ``cryptography`` prints)."""
    return ",".join(f"{k.upper()}={v.replace(',', chr(92) + ',')}" for k, v in reversed(pairs))
