"""The ``answer-json`` format: the information-request answer as data, hashed and optionally signed.

A body that audits its estate with camaudit exports this document and sends it with its reply;
an oversight user records it (``camaudit oversight respond --answer FILE``) and can check that
it is exactly what the body's camaudit produced. The document holds the answer text, the counts
behind it, restricted devices by maker and site, high-severity CVE exposure, the replacement plan
(when given) and per device its asset id and location (from the register) and the SHA-256 of
every piece of evidence cited.

Integrity: ``sha256`` is the SHA-256 of the canonical JSON of every other field (sorted keys, no
spaces, UTF-8). Provenance: ``signature`` is an Ed25519 signature by the body's key (the
oversight side registers the body's public key) or an HMAC-SHA256 with a secret both sides hold,
over the same canonical bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from camaudit.errors import InputError
from camaudit.models import Device, Finding, Severity
from camaudit.reports.answer_report import headline, render_answer
from camaudit.reports.context import ReportData, build_report_data
from camaudit.reports.vendor_exposure import assess_vendor

FORMAT = "camaudit-answer/1"
_UNSIGNED = ("signature", "sha256")
_HIGH = (Severity.HIGH, Severity.CRITICAL)


def canonical(doc: dict[str, Any]) -> bytes:
    """The bytes that are hashed and signed: every field but ``signature`` and ``sha256``."""
    body = {k: v for k, v in doc.items() if k not in _UNSIGNED}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def build_answer(data: ReportData, plan: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answer document (unsigned, with its ``sha256``)."""
    x = assess_vendor(data.entries, data.meta.vendor)
    s = data.summary
    cve_devices = {f.device_key for f in data.findings if f.policy == "cve" and f.severity in _HIGH}
    doc: dict[str, Any] = {
        "format": FORMAT,
        "organisation": data.meta.org,
        "vendor": x.vendor,
        "question": data.meta.question,
        "answer": headline(x),
        "generated": data.meta.generated.isoformat(),
        "evidence_first_seen": s.first_seen.isoformat() if s.first_seen else None,
        "evidence_last_seen": s.last_seen.isoformat() if s.last_seen else None,
        "audits": list(data.meta.audits),
        "counts": {
            "devices": x.total,
            "made_by_vendor": x.made_by_vendor,
            "direct": len(x.direct),
            "oem": len(x.oem),
            "oem_labels": dict(sorted(x.labels.items())),
            "indicated": len(x.indicated),
            "other": x.other,
            "unknown": x.unknown,
            "unknown_makers": x.unknown_makers,
            "high_confidence": x.high_confidence,
        },
        "restricted": {
            "devices": s.restricted,
            "via_oem_label": s.oem_restricted,
            "by_manufacturer": dict(s.restricted_by_manufacturer.most_common()),
            "by_site": dict(s.restricted_by_site.most_common()),
        },
        "cves": {
            "high_severity_devices": len(cve_devices),
            "high_severity_findings": sum(
                1 for f in data.findings if f.policy == "cve" and f.severity in _HIGH
            ),
        },
        "plan": plan,
        "devices": [
            {
                "key": e.key,
                "manufacturer": e.device.identity.manufacturer,
                "brand": e.device.identity.brand,
                "model": e.device.identity.model,
                "device_type": e.device.identity.device_type.value,
                "site": e.device.site,
                "asset_id": e.device.asset.asset_id,
                "location": e.device.asset.where() or None,
                "restricted": e.restricted,
                "policies": e.policies,
                "evidence": e.evidence_hashes,
            }
            for e in data.entries
        ],
        "text": render_answer(data),
    }
    doc["sha256"] = hashlib.sha256(canonical(doc)).hexdigest()
    return doc


# -- keys and signatures ----------------------------------------------------------------------


def generate_key(path: Path) -> str:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``path``; return the public key PEM."""
    if path.exists():
        raise InputError(f"{path} exists; not overwriting a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return public_pem(key.public_key())


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"cannot read the signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InputError(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("the public key is not an Ed25519 key")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key (SHA-256 of its raw bytes, 16 hex digits)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_ed25519(doc: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``doc`` with an Ed25519 ``signature`` (and a fresh ``sha256``)."""
    out = {k: v for k, v in doc.items() if k not in _UNSIGNED}
    payload = canonical(out)
    out["sha256"] = hashlib.sha256(payload).hexdigest()
    out["signature"] = {
        "alg": "ed25519",
        "key_id": key_id(key.public_key()),
        "public_key": public_pem(key.public_key()),
        "value": base64.b64encode(key.sign(payload)).decode("ascii"),
    }
    return out


def sign_hmac(doc: dict[str, Any], secret: bytes, key_name: str = "shared") -> dict[str, Any]:
    """``doc`` with an HMAC-SHA256 ``signature`` under a shared ``secret``."""
    if len(secret) < 16:
        raise InputError("an HMAC secret needs at least 16 bytes")
    out = {k: v for k, v in doc.items() if k not in _UNSIGNED}
    payload = canonical(out)
    out["sha256"] = hashlib.sha256(payload).hexdigest()
    out["signature"] = {
        "alg": "hmac-sha256",
        "key_id": key_name,
        "value": hmac.new(secret, payload, hashlib.sha256).hexdigest(),
    }
    return out


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """The result of checking an answer document.

    ``provenance``: ``signed`` (Ed25519, by the key registered for the body), ``signed-key-not-
    registered`` (a valid signature by a key nobody vouched for), ``hmac`` (valid under the
    given secret), ``hash-only`` (intact, but anyone could have made it), or ``invalid``.
    """

    ok: bool
    provenance: str
    sha256: str
    message: str
    key_id: str | None = None


def verify_answer(
    doc: dict[str, Any],
    *,
    trusted_key: str | None = None,
    hmac_secret: bytes | None = None,
) -> AnswerCheck:
    """Check ``doc``'s hash and signature. ``trusted_key`` is the body's registered public key."""
    if doc.get("format") != FORMAT:
        return AnswerCheck(False, "invalid", "", f"not a {FORMAT} document")
    payload = canonical(doc)
    digest = hashlib.sha256(payload).hexdigest()
    if doc.get("sha256") != digest:
        return AnswerCheck(False, "invalid", digest, "content does not match its sha256")
    sig = doc.get("signature")
    if not sig:
        return AnswerCheck(True, "hash-only", digest, "intact; not signed")
    if not isinstance(sig, dict):
        return AnswerCheck(False, "invalid", digest, "malformed signature")
    alg = sig.get("alg")
    if alg == "ed25519":
        try:
            public = load_public_key(str(sig.get("public_key", "")))
            public.verify(base64.b64decode(str(sig.get("value", "")), validate=True), payload)
        except (InputError, InvalidSignature, ValueError):
            return AnswerCheck(False, "invalid", digest, "Ed25519 signature does not verify")
        kid = key_id(public)
        if trusted_key is None:
            return AnswerCheck(
                True,
                "signed-key-not-registered",
                digest,
                "valid signature; key not registered",
                kid,
            )
        if key_id(load_public_key(trusted_key)) != kid:
            return AnswerCheck(
                False,
                "invalid",
                digest,
                "signed by a key other than the body's registered key",
                kid,
            )
        return AnswerCheck(True, "signed", digest, "signed by the body's registered key", kid)
    if alg == "hmac-sha256":
        if hmac_secret is None:
            return AnswerCheck(False, "invalid", digest, "HMAC-signed: the shared secret is needed")
        want = hmac.new(hmac_secret, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, str(sig.get("value", ""))):
            return AnswerCheck(False, "invalid", digest, "HMAC does not verify")
        return AnswerCheck(True, "hmac", digest, "HMAC verifies under the shared secret")
    return AnswerCheck(False, "invalid", digest, f"unknown signature algorithm {alg!r}")


def read_answer(path: Path) -> dict[str, Any]:
    """Load an answer document (InputError if it is not JSON or not an answer)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the answer {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"{path} is not a camaudit answer ({FORMAT})")
    return doc


def write_answer_json(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the answer document; ``meta["signing_key"]`` (a PEM path) signs it with Ed25519."""
    doc = build_answer(build_report_data(devices, findings, meta), meta.get("plan"))
    key_path = meta.get("signing_key")
    if key_path:
        doc = sign_ed25519(doc, load_private_key(Path(str(key_path))))
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
