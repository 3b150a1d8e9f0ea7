"""The lab at scale: build and serve a 5,000-device estate with every protocol, then load it.

    python -m bench.lab_scale [--devices 5000] [--seconds 10] [--concurrency 64]

Measures the fleet build, the time until every listener of every worker is bound, peak memory
(the parent plus every worker, summed) and answered requests per second under a bounded load
from a second process (HTTP, HTTPS, RTSP and the UDP discovery protocols, all on 127.x).
Writes bench/results/lab_scale.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
ANSWER_CAP = 64 * 1024
TIMEOUT = 5.0
# Share of requests per kind (when the target device serves the protocol).
MIX = {"http": 40, "https": 8, "rtsp": 12, "wsd": 20, "sadp": 6, "dhip": 6, "mdns": 4, "ssdp": 4}


# -- load client (second process) --------------------------------------------------------------


def _udp_payload(kind: str) -> bytes:
    if kind == "wsd":
        return (
            '<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
            'xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
            f"<e:Header><w:MessageID>uuid:{uuid.uuid4()}</w:MessageID>"
            "<w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"
            "<w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>"
            "<e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>"
        ).encode()
    if kind == "sadp":
        return (
            f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{str(uuid.uuid4()).upper()}</Uuid>'
            "<Types>inquiry</Types></Probe>"
        ).encode()
    if kind == "dhip":
        body = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'
        n = len(body).to_bytes(4, "little")
        return b"\x20\x00\x00\x00DHIP" + bytes(8) + n + bytes(4) + n + bytes(4) + body
    if kind == "ssdp":
        return b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n'
    # mDNS legacy unicast query: PTR _services._dns-sd._udp.local
    name = (
        b"".join(bytes([len(p)]) + p for p in (b"_services", b"_dns-sd", b"_udp", b"local"))
        + b"\x00"
    )
    return b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x0c\x00\x01"


async def _tcp(ip: str, port: int, request: bytes, tls: ssl.SSLContext | None) -> bool:
    async with asyncio.timeout(TIMEOUT):
        reader, writer = await asyncio.open_connection(
            ip, port, ssl=tls, server_hostname=None if tls is None else ""
        )
        try:
            writer.write(request)
            await writer.drain()
            data = await reader.read(ANSWER_CAP)
        finally:
            writer.close()
    return data.startswith((b"HTTP/1.", b"RTSP/1.0"))


async def _udp(ip: str, port: int, payload: bytes) -> bool:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.bind(("127.0.0.1", 0))
        await loop.sock_sendto(sock, payload, (ip, port))
        async with asyncio.timeout(TIMEOUT):
            data, _ = await loop.sock_recvfrom(sock, 65535)
    return bool(data)


async def _load(targets: list[dict[str, Any]], seconds: float, concurrency: int) -> dict[str, Any]:
    rng = random.Random(7)
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    done: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def one() -> None:
        device = rng.choice(targets)
        ports = device["ports"]
        kinds = [k for k in MIX if k in ports]
        kind = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        ip, port = device["ip"], ports[kind]
        started = time.monotonic()
        try:
            if kind in ("http", "https"):
                request = f"GET / HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n".encode()
                ok = await _tcp(ip, port, request, tls if kind == "https" else None)
            elif kind == "rtsp":
                ok = await _tcp(
                    ip,
                    port,
                    f"OPTIONS rtsp://{ip}:{port}/ RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode(),
                    None,
                )
            else:
                ok = await _udp(ip, port, _udp_payload(kind))
        except (OSError, TimeoutError, ssl.SSLError):
            ok = False
        (done if ok else failed)[kind] += 1
        if ok:
            latencies.append(time.monotonic() - started)

    async def worker() -> None:
        while time.monotonic() < deadline:
            await one()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    latencies.sort()
    total = sum(done.values())
    return {
        "seconds": round(elapsed, 2),
        "concurrency": concurrency,
        "answered": total,
        "failed": sum(failed.values()),
        "answered_per_second": round(total / elapsed, 1),
        "by_kind": {k: {"answered": done[k], "failed": failed[k]} for k in MIX},
        "latency_ms": {
            "p50": round(1000 * latencies[len(latencies) // 2], 2) if latencies else None,
            "p99": round(1000 * latencies[int(len(latencies) * 0.99)], 2) if latencies else None,
        },
        "client_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def client_main(targets_file: str, seconds: float, concurrency: int) -> None:
    targets = json.loads(Path(targets_file).read_text())
    print(json.dumps(asyncio.run(_load(targets, seconds, concurrency))))


# -- lab side -----------------------------------------------------------------------------------


def lab_main(args: argparse.Namespace) -> dict[str, Any]:
    from camaudit.lab import build_fleet
    from camaudit.lab.limits import open_file_ceiling
    from camaudit.lab.shards import ShardedLab, sockets_needed

    started = time.perf_counter()
    fleet = build_fleet(
        devices=args.devices, subnet=args.subnet, seed=1, port_offset=args.port_offset
    )
    built = time.perf_counter() - started
    lab = ShardedLab(fleet, workers=args.workers)
    started = time.perf_counter()
    lab.start()
    start_seconds = time.perf_counter() - started
    counts = lab.endpoint_counts()
    endpoints = len(lab.endpoints)
    rss_at_start = list(lab.worker_max_rss_kb)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump([{"ip": d.ip, "ports": d.ports} for d in fleet.devices], handle)
        command = [
            sys.executable,
            "-m",
            "bench.lab_scale",
            "--client",
            handle.name,
            "--seconds",
            str(args.seconds),
            "--concurrency",
            str(args.concurrency),
        ]
        client = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=True,
            timeout=args.seconds + 120,
            cwd=Path(__file__).parents[1],
        )
        load = json.loads(client.stdout)
        Path(handle.name).unlink(missing_ok=True)
    finally:
        lab.stop()
    parent_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_kb = lab.worker_max_rss_kb
    return {
        "devices": len(fleet.devices),
        "personas": len({d.persona for d in fleet.devices}),
        "workers": lab.workers,
        "open_file_ceiling_per_process": open_file_ceiling(),
        "listening_sockets": sockets_needed(fleet),
        "endpoints": endpoints,
        "endpoints_by_protocol": counts,
        "fleet_build_seconds": round(built, 2),
        "start_seconds": round(start_seconds, 2),
        "peak_rss_mb": {
            "parent": round(parent_kb / 1024, 1),
            "workers_at_start": [round(kb / 1024, 1) for kb in rss_at_start],
            "workers_peak": [round(kb / 1024, 1) for kb in workers_kb],
            "total_peak": round((parent_kb + sum(workers_kb)) / 1024, 1),
        },
        "load": load,
        "machine": {"cpus": __import__("os").cpu_count(), "python": sys.version.split()[0]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=None, help="default: as the open-file limit needs"
    )
    parser.add_argument("--subnet", default="127.50.0.0/16")
    parser.add_argument("--port-offset", type=int, default=20000)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS / "lab_scale.json")
    args = parser.parse_args()
    if args.client:
        client_main(args.client, args.seconds, args.concurrency)
        return
    result = lab_main(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
