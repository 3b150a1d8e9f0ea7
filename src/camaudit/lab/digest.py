"""HTTP Digest (RFC 7616; MD5 and SHA-256, qop=auth or RFC 2069 style) and Basic auth for the lab.

Nonces are stateless: a timestamp plus an HMAC over (timestamp, device binding) with a per-lab
secret, so the server keeps no per-client state yet rejects forged nonces and reports old ones as
stale. Three wire shapes imitate what devices send:

* ``hex``     48 hex characters (timestamp + MAC), the Hikvision IPC / generic shape;
* ``hex_ms``  ``<32 hex>:<epoch ms>``, the Hikvision NVR shape;
* ``b64sha1`` base64 of the 8-byte time (12 characters, ending ``=``) then a 40-hex SHA-1
  HMAC, the Axis shape;
* ``hex32`` / ``HEX32`` 32 hex characters (lower / upper case; Lorex, Bosch, Hanwha shapes);
* ``hex20``   20 hex characters (4-byte time in seconds + 6-byte MAC), the gSOAP shape.

Nonce-count replay tracking is not done (it would need state).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import struct
import time
from collections.abc import Callable, Mapping

NONCE_STYLES = ("hex", "hex_ms", "b64sha1", "hex32", "HEX32", "hex20")
# Fixed-width hex styles: (timestamp bytes, MAC bytes, timestamp unit in seconds, upper case).
_HEX_STYLES: dict[str, tuple[int, int, float, bool]] = {
    "hex": (8, 16, 0.001, False),
    "hex32": (8, 8, 0.001, False),
    "HEX32": (8, 8, 0.001, True),
    "hex20": (4, 6, 1.0, False),
}
_PARAM = re.compile(r"""\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]*)\s*""")
_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}


class NonceStatus(enum.Enum):
    VALID = "valid"
    STALE = "stale"
    INVALID = "invalid"


class NonceFactory:
    """Makes and checks stateless nonces bound to one endpoint (``binding``, e.g. ``ip:port``)."""

    def __init__(
        self,
        secret: bytes,
        binding: str,
        style: str = "hex",
        lifetime: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if style not in NONCE_STYLES:
            raise ValueError(f"unknown nonce style {style!r}")
        self._secret = secret
        self._binding = binding.encode()
        self.style = style
        self.lifetime = lifetime
        self._clock = clock

    def _mac(self, stamp: bytes, algo: str) -> bytes:
        return hmac.new(self._secret, stamp + b"|" + self._binding, algo).digest()

    def _mask(self, stamp: bytes, mac: bytes) -> bytes:
        """XOR the timestamp with a pad derived from the MAC, so the nonce looks random
        throughout (its own inverse)."""
        pad = hmac.new(self._secret, b"mask|" + mac, "sha256").digest()[: len(stamp)]
        return bytes(a ^ b for a, b in zip(stamp, pad, strict=True))

    def make(self) -> str:
        now = self._clock()
        fixed = _HEX_STYLES.get(self.style)
        if fixed is not None:
            stamp_len, mac_len, unit, upper = fixed
            stamp = int(now / unit).to_bytes(8, "big")[8 - stamp_len :]
            mac = self._mac(stamp, "sha256")[:mac_len]
            value = (self._mask(stamp, mac) + mac).hex()
            return value.upper() if upper else value
        millis = int(now * 1000)
        stamp = struct.pack(">Q", millis)
        if self.style == "hex_ms":
            return f"{self._mac(stamp, 'sha256')[:16].hex()}:{millis}"
        return base64.b64encode(stamp).decode() + self._mac(stamp, "sha1").hex()

    def check(self, nonce: str) -> NonceStatus:
        try:
            stamp, ok = self._decode(nonce)
        except (ValueError, binascii.Error, struct.error):
            return NonceStatus.INVALID
        if not ok:
            return NonceStatus.INVALID
        unit = _HEX_STYLES[self.style][2] if self.style in _HEX_STYLES else 0.001
        age = self._clock() - int.from_bytes(stamp, "big") * unit
        if age > self.lifetime or age < -60.0:
            return NonceStatus.STALE
        return NonceStatus.VALID

    def _decode(self, nonce: str) -> tuple[bytes, bool]:
        fixed = _HEX_STYLES.get(self.style)
        if fixed is not None:
            stamp_len, mac_len, _, _ = fixed
            raw = bytes.fromhex(nonce)
            if len(raw) != stamp_len + mac_len:
                return b"", False
            mac = raw[stamp_len:]
            stamp = self._mask(raw[:stamp_len], mac)
            return stamp, hmac.compare_digest(mac, self._mac(stamp, "sha256")[:mac_len])
        if self.style == "hex_ms":
            mac_hex, _, millis = nonce.partition(":")
            if not millis.isdigit() or len(millis) > 16:
                return b"", False
            stamp = struct.pack(">Q", int(millis))
            return stamp, hmac.compare_digest(
                bytes.fromhex(mac_hex), self._mac(stamp, "sha256")[:16]
            )
        if len(nonce) != 52:
            return b"", False
        stamp = base64.b64decode(nonce[:12], validate=True)
        return stamp, hmac.compare_digest(bytes.fromhex(nonce[12:]), self._mac(stamp, "sha1"))


def parse_authorization(value: str) -> tuple[str, dict[str, str] | str]:
    """Split an Authorization header: ``("digest", {params})`` or ``("basic", token)``."""
    scheme, _, rest = value.strip().partition(" ")
    scheme = scheme.lower()
    if scheme != "digest":
        return scheme, rest.strip()
    params: dict[str, str] = {}
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if match is None:
            break
        key, raw = match.group(1).lower(), match.group(2)
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params.setdefault(key, raw)
        pos = match.end()
        if pos < len(rest):
            if rest[pos] != ",":
                break
            pos += 1
    return scheme, params


def _hash_for(algorithm: str) -> tuple[Callable[[bytes], str], bool] | None:
    name = algorithm.upper()
    sess = name.endswith("-SESS")
    base = name[:-5] if sess else name
    func = _HASHES.get(base)
    return None if func is None else (func, sess)


def expected_response(
    params: Mapping[str, str],
    *,
    method: str,
    password: str,
) -> str | None:
    """The ``response`` value a correct client would send, or None if the params are unusable."""
    chosen = _hash_for(params.get("algorithm", "MD5"))
    if chosen is None:
        return None
    hash_, sess = chosen
    username, realm = params.get("username", ""), params.get("realm", "")
    nonce, uri = params.get("nonce", ""), params.get("uri", "")
    qop, nc, cnonce = params.get("qop"), params.get("nc", ""), params.get("cnonce", "")
    ha1 = hash_(f"{username}:{realm}:{password}".encode())
    if sess:
        ha1 = hash_(f"{ha1}:{nonce}:{cnonce}".encode())
    ha2 = hash_(f"{method}:{uri}".encode())
    if qop is None:
        return hash_(f"{ha1}:{nonce}:{ha2}".encode())
    if qop != "auth" or not nc or not cnonce:
        return None
    return hash_(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode())


def verify_digest(
    params: Mapping[str, str],
    *,
    method: str,
    target: str,
    username: str,
    password: str,
    realm: str,
) -> bool:
    """True if ``params`` (nonce already checked by the caller) prove the right credentials."""
    if params.get("username") != username or params.get("realm") != realm:
        return False
    if params.get("uri") != target:
        return False
    expected = expected_response(params, method=method, password=password)
    if expected is None:
        return False
    return hmac.compare_digest(expected.encode(), params.get("response", "").lower().encode())


def verify_basic(token: str, *, username: str, password: str) -> bool:
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, sep, secret = decoded.partition(":")
    return bool(sep) and hmac.compare_digest(
        f"{user}:{secret}".encode(), f"{username}:{password}".encode()
    )


def authorization_header(
    challenge: Mapping[str, str],
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str = "0a4f113b",
    nc: str = "00000001",
) -> str:
    """Client side (tests): the Digest Authorization value answering a parsed challenge."""
    params = {
        "username": username,
        "realm": challenge.get("realm", ""),
        "nonce": challenge.get("nonce", ""),
        "uri": uri,
        "algorithm": challenge.get("algorithm", "MD5"),
    }
    if "qop" in challenge:
        params.update(qop="auth", nc=nc, cnonce=cnonce)
    response = expected_response(params, method=method, password=password) or ""
    parts = [f'{k}="{v}"' for k, v in params.items() if k not in ("qop", "nc", "algorithm")]
    parts.append(f"algorithm={params['algorithm']}")
    if "qop" in params:
        parts += [f"qop={params['qop']}", f"nc={params['nc']}"]
    parts.append(f'response="{response}"')
    if challenge.get("opaque") is not None:
        parts.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(parts)
