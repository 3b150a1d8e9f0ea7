"""Mutation fuzzing of every parser of untrusted bytes: identification of every evidence kind
(also fed other kinds' bytes), and every importer through the path the CLI uses.

``python -m bench fuzz [--inputs N] [--seconds S] [--target NAME ...]``. Seeds come from the
tests' fixtures, payloads built in memory (pcap, pcapng, xlsx, certificates) and the shared
corpus when it is present; :mod:`bench.fuzz_probes` adds the scanner's own response readers.
An input "escapes" when it raises anything outside camaudit's error tree; an input that takes more than 2 s is a "hang". Escapes and hangs are written to
bench/results/fuzz-crashers/ (name = target + error signature) for regression tests; the summary
goes to bench/results/fuzz.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from camaudit.errors import CamauditError
from camaudit.identify import Identifier
from camaudit.importers import REGISTRY as IMPORTERS
from camaudit.importers.base import guarded
from camaudit.models import Evidence, EvidenceKind

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "importers"
CORPUS = ROOT.parent / "shared" / "corpus"
RESULTS = ROOT / "bench" / "results"
HANG_SECONDS = 2.0
MAX_INPUT = 256 * 1024

#: Byte strings that have broken parsers before, or are known to stress them.
TOKENS = [
    b"\\ud800",
    b"\\udfff\\ud800",
    b"9" * 4400,
    b'<?xml version="1.0" encoding="UTF-1F-8"?>',
    b'<?xml version="1.0" encoding="utf-7"?>',
    b"<![CDATA[",
    b"]]>",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b'"' * 600,
    b"[" * 2000,
    b"{" * 2000,
    b"&lt;&#x0;&#xD800;",
    b'<!DOCTYPE x [<!ENTITY a "aaaa">]>',
    b"\r\n\r\n",
    b"Content-Length: -1\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"lease ",
    b"hardware ethernet",
    b"  starts 4 99999/12/31 99:99:99;\n",
    "١٢٣٤٥".encode(),
    b"-----BEGIN CERTIFICATE-----\nMII",
    b"1e99999",
    b"NaN",
    b"\xa0\x03\x02\x01\x05",
]


_ISOLATED = "could not be read at"


class Isolated(Exception):
    """A failure the isolation boundary contained (counted apart: worth a fix at the root)."""


@dataclass
class Target:
    name: str
    run: Callable[[bytes], object]
    seeds: list[bytes]


@dataclass
class Tally:
    inputs: int = 0
    escapes: int = 0
    isolated: int = 0
    hangs: int = 0
    slowest: float = 0.0
    peak_rss_mb: int = 0
    signatures: dict[str, str] = field(default_factory=dict)


def _mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[pos:pos] = rng.choice(TOKENS)
        elif op == 2:
            del buf[pos : pos + rng.randint(1, 64)]
        elif op == 3:
            buf = buf[:pos]
        elif op == 4 and buf:
            start = rng.randrange(len(buf))
            buf[pos:pos] = buf[start : start + rng.randint(1, 256)]
        elif op == 5:
            other = rng.choice(seeds)
            cut = rng.randrange(len(other) + 1)
            buf = buf[:pos] + bytearray(other[cut:])
        elif op == 6:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            for i in range(pos, min(len(buf), pos + 8)):
                buf[i] = rng.choice(b"<>\"'=;:{}[]\n\x00\xff")
    return bytes(buf[:MAX_INPUT])


def _identify_target(identifier: Identifier, kind: EvidenceKind) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        obs = identifier.observe(Evidence(kind, data))
        ident = identifier.fuse(obs)
        for note in ident.notes:
            if _ISOLATED in note or "extractor failed" in note:
                raise Isolated(note.rsplit("(", 1)[-1].split(")")[0])
        return ident

    return run


def _import_target(fmt: str, workdir: Path) -> Callable[[bytes], object]:
    importer = IMPORTERS[fmt]
    path = workdir / f"input.{fmt}"

    def run(data: bytes) -> object:
        path.write_bytes(data)
        try:
            return sum(1 for _ in guarded(importer.read(path), path, fmt))
        except CamauditError as exc:
            if "file after" in str(exc):  # caught by the import boundary, not by the parser
                raise Isolated(str(exc).split(": ", 2)[-1].split(":")[0]) from None
            raise

    return run


def _built_seeds() -> dict[str, list[bytes]]:
    """Binary seeds the fixtures do not hold as files: captures, a workbook, a certificate."""
    sys.path.insert(0, str(ROOT))
    from tests.importers import capture_builder as cb

    out: dict[str, list[bytes]] = {"pcap": [], "register": [], "tls": []}
    with tempfile.TemporaryDirectory() as tmp:
        der = cb.self_signed_der("IPC", "Hikvision")
        frames = [
            cb.ether(
                cb.mac("c4:2f:90:01:02:03"),
                cb.CLIENT_MAC,
                cb.tcp(
                    "127.0.0.5", "127.0.0.9", 443, 50000, 1, cb.ACK, cb.tls12_server_flight(der)
                ),
            ),
            cb.ether(
                cb.mac("c4:2f:90:01:02:03"),
                cb.CLIENT_MAC,
                cb.udp(
                    "127.0.0.5",
                    "127.0.0.9",
                    37020,
                    37020,
                    b"<ProbeMatch><DeviceType>1</DeviceType></ProbeMatch>",
                ),
            ),
            cb.dhcp_discover(cb.mac("c4:2f:90:01:02:03"), "cam-1", "HIKVISION"),
        ]
        for writer, name in ((cb.write_pcap, "a.pcap"), (cb.write_pcapng, "a.pcapng")):
            try:
                out["pcap"].append(writer(Path(tmp) / name, frames).read_bytes())
            except Exception:  # a builder that cannot frame one of these: fewer seeds
                continue
        import ssl

        out["tls"].append(ssl.DER_cert_to_PEM_cert(der).encode())
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Asset ID", "Make", "Model", "Location"])
    sheet.append(["CAM-001", "Hikvision", "DS-2CD2143G0-I", "High Street"])
    raw = io.BytesIO()
    book.save(raw)
    out["register"].append(raw.getvalue())
    return out


def _corpus_seeds() -> dict[str, list[bytes]]:
    seeds: dict[str, list[bytes]] = {}
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return seeds
    for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) > 1 and (CORPUS / cols[0]).is_file():
            seeds.setdefault(cols[1], []).append((CORPUS / cols[0]).read_bytes()[:MAX_INPUT])
    return seeds


def targets(workdir: Path) -> list[Target]:
    """Every harness: importers first (the slowest per input: when one runs out of its share of
    time, the faster harnesses after it make up the total), then identification, then the
    scanner's own readers (:mod:`bench.fuzz_probes`)."""
    from bench.fuzz_probes import probe_harnesses

    built = _built_seeds()
    corpus = _corpus_seeds()
    everything = [s for group in corpus.values() for s in group] + built["tls"]
    identifier = Identifier()
    out: list[Target] = []
    for fmt in IMPORTERS:
        files = sorted((FIXTURES / fmt).glob("*")) if (FIXTURES / fmt).is_dir() else []
        seeds = [p.read_bytes()[:MAX_INPUT] for p in files if p.is_file()] + built.get(fmt, [])
        out.append(Target(f"import:{fmt}", _import_target(fmt, workdir), seeds or [b"x"]))
    for kind in EvidenceKind:
        own = corpus.get(kind.value, []) + (built["tls"] if kind is EvidenceKind.TLS else [])
        # Other kinds' bytes too: a wrong kind must not break a parser either.
        seeds = (own + everything[:: max(1, len(everything) // 40)]) or [b"x"]
        out.append(Target(f"identify:{kind.value}", _identify_target(identifier, kind), seeds))
    for name, run, seeds in probe_harnesses(corpus):
        out.append(Target(name, run, [s[:MAX_INPUT] for s in seeds] or [b"x"]))
    return out


def safe_name(target: str) -> str:
    """``target`` as it starts a crasher's file name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in target)


def outcome(target: Target, data: bytes) -> str:
    """What one input does to ``target``: ``ok``, ``error`` (one of camaudit's own errors),
    ``isolated`` (contained by an isolation boundary) or ``escape`` (anything else)."""
    try:
        target.run(data)
    except Isolated:
        return "isolated"
    except CamauditError:
        return "error"
    except Exception:
        return "escape"
    return "ok"


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next(
        (
            f"{Path(f.filename).name}:{f.lineno}"
            for f in reversed(frames)
            if "camaudit" in f.filename
        ),
        "?",
    )
    return f"{type(exc).__name__}@{where}"


def fuzz(
    target: Target,
    inputs: int,
    seconds: float,
    rng: random.Random,
    crashers: Path,
    at_least: int = 0,
) -> Tally:
    """Up to ``inputs`` mutated inputs within ``seconds`` (but never fewer than ``at_least``,
    however slow the machine: a smoke run covers its inputs on a loaded CI runner too)."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    while tally.inputs < inputs and (tally.inputs < at_least or time.monotonic() < deadline):
        data = _mutate(rng, rng.choice(target.seeds), target.seeds)
        tally.inputs += 1
        start = time.perf_counter()
        try:
            target.run(data)
        except Isolated as exc:
            tally.isolated += 1
            sig = f"isolated:{exc}"
            if sig not in tally.signatures:
                tally.signatures[sig] = str(exc)
                _keep(crashers, target.name, sig, data)
        except CamauditError:
            pass
        except Exception as exc:
            tally.escapes += 1
            sig = _signature(exc)
            if sig not in tally.signatures:
                tally.signatures[sig] = f"{type(exc).__name__}: {str(exc)[:200]}"
                _keep(crashers, target.name, sig, data)
        took = time.perf_counter() - start
        tally.slowest = max(tally.slowest, took)
        if took > HANG_SECONDS:
            tally.hangs += 1
            _keep(crashers, target.name, "hang", data)
    tally.peak_rss_mb = _peak_rss_mb()
    return tally


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _keep(crashers: Path, target: str, sig: str, data: bytes) -> None:
    crashers.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    safe = safe_name(f"{target}-{sig}")
    (crashers / f"{safe}-{digest}.bin").write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench fuzz", description=__doc__)
    ap.add_argument("--inputs", type=int, default=1_000_000, help="total inputs (all targets)")
    ap.add_argument("--seconds", type=float, default=1200.0, help="total time budget")
    ap.add_argument(
        "--cap-seconds", type=float, default=30.0, help="at most this long on one harness (0: none)"
    )
    ap.add_argument("--target", action="append", help="only targets whose name contains this")
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--out", type=Path, default=RESULTS / "fuzz.json")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    crashers = args.out.parent / "fuzz-crashers"
    with tempfile.TemporaryDirectory() as tmp:
        chosen = [
            t
            for t in targets(Path(tmp))
            if not args.target or any(s in t.name for s in args.target)
        ]
        rows: dict[str, Tally] = {}
        started = time.monotonic()
        for t in chosen:
            # What earlier harnesses left undone (inputs and time) is shared by those after.
            done = sum(r.inputs for r in rows.values())
            per_inputs = max(1, (args.inputs - done) // (len(chosen) - len(rows)))
            spent = time.monotonic() - started
            per_seconds = max(1.0, (args.seconds - spent) / (len(chosen) - len(rows)))
            if args.cap_seconds:
                per_seconds = min(per_seconds, args.cap_seconds)
            rows[t.name] = fuzz(t, per_inputs, per_seconds, rng, crashers)
            r = rows[t.name]
            print(
                f"{t.name:24} {r.inputs:>9,} inputs  {r.escapes:>5} escapes  "
                f"{r.isolated:>5} isolated  {r.hangs:>3} hangs"
                f"  slowest {r.slowest * 1000:7.1f} ms  {', '.join(r.signatures) or ''}",
                flush=True,
            )
    wall = time.monotonic() - started
    total = sum(r.inputs for r in rows.values())
    escapes = sum(r.escapes for r in rows.values())
    hangs = sum(r.hangs for r in rows.values())
    isolated = sum(r.isolated for r in rows.values())
    peak = _peak_rss_mb()
    print(
        f"total {total:,} inputs in {wall:.0f} s: {escapes} escapes, "
        f"{isolated} contained by an isolation boundary, "
        f"{hangs} hangs (> {HANG_SECONDS:.0f} s), peak RSS {peak} MB"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "wall_seconds": round(wall, 1),
                "hang_seconds": HANG_SECONDS,
                "seed": args.seed,
                "inputs": total,
                "escapes": escapes,
                "isolated": isolated,
                "hangs": hangs,
                "peak_rss_mb": peak,
                "targets": {
                    name: {
                        "inputs": r.inputs,
                        "escapes": r.escapes,
                        "isolated": r.isolated,
                        "hangs": r.hangs,
                        "slowest_ms": round(r.slowest * 1000, 1),
                        "peak_rss_mb": r.peak_rss_mb,
                        "signatures": r.signatures,
                    }
                    for name, r in rows.items()
                },
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if escapes or hangs else 0


if __name__ == "__main__":
    raise SystemExit(main())
