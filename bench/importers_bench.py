"""Importer throughput and memory: a Shodan-style download of 1M banners and a capture of 1M
packets, generated here, read by the importers alone (no identification, no store).

    python -m bench.importers_bench [--records N] [--packets N] [--keep DIR]

Each reader runs in a fresh process so its peak RSS is its own. Targets: >= 20,000 Shodan
records/s, >= 40,000 packets/s, <= 300 MB. Writes bench/results/importers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
TARGETS = {"shodan_records_per_s": 20_000, "pcap_packets_per_s": 40_000, "peak_rss_mb": 300}

_HIK_HTML = (
    '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8" />\n<script>\nwindow.location.href = "/doc/page/login.asp?_" + '
    "(new Date()).getTime();\n</script>\n</head>\n<body>\n</body>\n</html>\n"
)
_DAHUA_HTML = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">\r\n<html>\r\n<head>'
    '<title>WEB SERVICE</title></head>\r\n<body><div id="login" class="ui-dialog-content">'
    '<input id="login_user" type="text" /></div></body></html>'
)
_NGINX_HTML = (
    "<html><head><title>Welcome to nginx!</title></head><body>" + "x" * 400 + "</body></html>"
)


def _shodan_record(rng: random.Random, n: int) -> dict[str, object]:
    ip = (
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    )
    base: dict[str, object] = {
        "_shodan": {"module": "http", "crawler": f"{n:040x}", "id": f"{n:032x}"},
        "ip_str": ip,
        "timestamp": f"2024-02-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:17.662810",
        "hostnames": [f"host-{ip.replace('.', '-')}.example.net"],
        "org": "Example Broadband",
        "asn": f"AS{64500 + n % 20}",
        "location": {"country_code": "GB", "city": "Leeds", "latitude": 53.8, "longitude": -1.55},
    }
    kind = n % 10
    if kind < 4:  # Hikvision web UI
        base.update(
            port=80,
            transport="tcp",
            data="HTTP/1.1 200 OK\r\nDate: Mon, 19 Feb 2024 03:41:17 GMT\r\nServer: App-webs/\r\n"
            "X-Frame-Options: SAMEORIGIN\r\nContent-Type: text/html\r\nContent-Length: 480\r\n"
            "Connection: close\r\n\r\n",
            http={
                "status": 200,
                "title": None,
                "server": "App-webs/",
                "html": _HIK_HTML,
                "favicon": {"hash": 999357577, "location": f"http://{ip}/favicon.ico"},
            },
            product="Hikvision IP Camera",
            devicetype="webcam",
            cpe23=["cpe:2.3:h:hikvision:ip_camera"],
        )
    elif kind < 6:  # Dahua web UI over TLS
        base.update(
            port=443,
            transport="tcp",
            data="HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: 1065\r\n"
            "CACHE-CONTROL: max-age=0\r\nCONTENT-TYPE: text/html\r\n\r\n",
            http={"status": 200, "title": "WEB SERVICE", "html": _DAHUA_HTML},
            ssl={
                "cert": {
                    "subject": {"C": "CN", "CN": ip},
                    "issuer": {
                        "C": "CN",
                        "ST": "Zhejiang",
                        "L": "Hangzhou",
                        "O": "Zhejiang Dahua Technology Co.,Ltd.",
                        "CN": "Dahua Device NVR CA",
                    },
                },
                "cipher": {"version": "TLSv1.2", "bits": 128},
                "versions": ["TLSv1.2"],
            },
        )
    elif kind < 8:  # RTSP
        base.update(
            port=554,
            transport="tcp",
            data='RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm="Login '
            f'to {n:016X}", nonce="{n:020x}"\r\n\r\n',
            product="Dahua rtspd",
            devicetype="webcam",
        )
    elif kind == 8:  # Axis with a MAC
        base.update(
            port=8080,
            transport="tcp",
            data="HTTP/1.1 302 Found\r\nLocation: /camera/index.html\r\nContent-Length: 0\r\n\r\n",
            http={"status": 302, "title": "AXIS M3045-V Network Camera"},
            mac={f"00:40:8C:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}": {"org": "Axis"}},
        )
    else:  # an unrelated web server
        base.update(
            port=80,
            transport="tcp",
            data="HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\n\r\n",
            http={
                "status": 200,
                "title": "Welcome to nginx!",
                "server": "nginx/1.18.0",
                "html": _NGINX_HTML,
            },
            product="nginx",
            version="1.18.0",
        )
    return base


def write_shodan(path: Path, records: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for n in range(records):
            fh.write(json.dumps(_shodan_record(rng, n)) + "\n")
    return path.stat().st_size


def _frames(count: int, seed: int = 7) -> Iterator[bytes]:
    """A site's traffic: video (RTP over UDP) most of it, HTTP polls of cameras (whole TCP
    conversations), RTSP, discovery announcements, DNS and ARP."""
    import dpkt

    rng = random.Random(seed)
    client = socket.inet_aton("10.90.0.5")
    client_mac = bytes.fromhex("3c5282aabb05")

    def ether(src_mac: bytes, ip: dpkt.ip.IP) -> bytes:
        return bytes(dpkt.ethernet.Ethernet(src=src_mac, dst=client_mac, type=0x0800, data=ip))

    def ip4(src: bytes, dst: bytes, segment: dpkt.Packet, proto: int) -> dpkt.ip.IP:
        return dpkt.ip.IP(src=src, dst=dst, p=proto, data=segment)

    cameras = [socket.inet_aton(f"10.90.{1 + n // 250}.{1 + n % 250}") for n in range(500)]
    macs = [bytes.fromhex("4419b6") + n.to_bytes(3, "big") for n in range(500)]
    rtp = [
        ether(
            macs[n],
            ip4(
                cameras[n],
                client,
                dpkt.udp.UDP(sport=30000 + n, dport=40000 + n, data=bytes(1200)),
                17,
            ),
        )
        for n in range(64)
    ]
    reply = (
        b"HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\nContent-Length: 178\r\n"
        b'WWW-Authenticate: Digest qop="auth", realm="IP Camera(C6170)", nonce="4e6a5178"\r\n\r\n'
        + b"<html><head><title>Document Error: Unauthorized</title></head><body>x</body></html>"
        * 2
    )
    sadp = b"<ProbeMatch><Types>inquiry</Types><DeviceDescription>DS-2CD2143G2-I</DeviceDescription><DeviceSN>DS-2CD2143G2-I20221014AAWRJ12345678</DeviceSN></ProbeMatch>"
    written = 0
    conversation = 0
    while written < count:
        roll = rng.random()
        if roll < 0.80:
            yield rtp[written % len(rtp)]
            written += 1
        elif roll < 0.97:  # one HTTP poll: SYN, SYN-ACK, ACK, request, reply x2, FIN x2
            n = conversation % len(cameras)
            port = 50000 + conversation % 15000
            conversation += 1
            cam, mac = cameras[n], macs[n]
            req = b"GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: cam\r\n\r\n"
            frames = [
                ether(
                    client_mac,
                    ip4(client, cam, dpkt.tcp.TCP(sport=port, dport=80, seq=1, flags=0x02), 6),
                ),
                ether(
                    mac,
                    ip4(cam, client, dpkt.tcp.TCP(sport=80, dport=port, seq=900, flags=0x12), 6),
                ),
                ether(
                    client_mac,
                    ip4(
                        client,
                        cam,
                        dpkt.tcp.TCP(sport=port, dport=80, seq=2, flags=0x18, data=req),
                        6,
                    ),
                ),
                ether(
                    mac,
                    ip4(
                        cam,
                        client,
                        dpkt.tcp.TCP(sport=80, dport=port, seq=901, flags=0x10, data=reply[:120]),
                        6,
                    ),
                ),
                ether(
                    mac,
                    ip4(
                        cam,
                        client,
                        dpkt.tcp.TCP(sport=80, dport=port, seq=1021, flags=0x18, data=reply[120:]),
                        6,
                    ),
                ),
                ether(
                    mac,
                    ip4(
                        cam,
                        client,
                        dpkt.tcp.TCP(sport=80, dport=port, seq=901 + len(reply), flags=0x11),
                        6,
                    ),
                ),
                ether(
                    client_mac,
                    ip4(
                        client,
                        cam,
                        dpkt.tcp.TCP(sport=port, dport=80, seq=2 + len(req), flags=0x11),
                        6,
                    ),
                ),
            ]
            yield from frames
            written += len(frames)
        elif roll < 0.99:
            n = rng.randrange(len(cameras))
            yield ether(
                macs[n],
                ip4(
                    cameras[n],
                    socket.inet_aton("239.255.255.250"),
                    dpkt.udp.UDP(sport=37020, dport=37020, data=sadp),
                    17,
                ),
            )
            written += 1
        else:
            query = dpkt.dns.DNS(id=written & 0xFFFF, qd=[dpkt.dns.DNS.Q(name="time.example.org")])
            yield ether(
                client_mac,
                ip4(
                    client,
                    socket.inet_aton("10.90.0.1"),
                    dpkt.udp.UDP(sport=40000, dport=53, data=bytes(query)),
                    17,
                ),
            )
            written += 1


def write_pcap(path: Path, packets: int) -> int:
    import dpkt

    with path.open("wb") as fh:
        writer = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for n, frame in enumerate(_frames(packets)):
            writer.writepkt(frame, ts=1710409211.0 + n * 0.0001)
    return path.stat().st_size


def _measure(fmt: str, path: str) -> dict[str, float]:
    """Run one importer over ``path`` in this process; evidence count, seconds and peak RSS."""
    from camaudit.importers import REGISTRY

    start = time.perf_counter()
    count = 0
    for _ in REGISTRY[fmt].read(Path(path)):
        count += 1
    seconds = time.perf_counter() - start
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"evidence": count, "seconds": seconds, "peak_rss_mb": rss_kb / 1024}


def _measure_in_child(fmt: str, path: Path) -> dict[str, float]:
    code = "import json, sys; from bench.importers_bench import _measure; print(json.dumps(_measure(sys.argv[1], sys.argv[2])))"
    out = subprocess.run(
        [sys.executable, "-c", code, fmt, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        shodan, capture = workdir / "shodan.jsonl", workdir / "capture.pcap"
        shodan_bytes = write_shodan(shodan, args.records)
        pcap_bytes = write_pcap(capture, args.packets)
        shodan_run = _measure_in_child("shodan", shodan)
        pcap_run = _measure_in_child("pcap", capture)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "shodan": {
            "records": args.records,
            "file_mb": round(shodan_bytes / 2**20, 1),
            "evidence": shodan_run["evidence"],
            "seconds": round(shodan_run["seconds"], 2),
            "records_per_s": round(args.records / shodan_run["seconds"]),
            "peak_rss_mb": round(shodan_run["peak_rss_mb"], 1),
        },
        "pcap": {
            "packets": args.packets,
            "file_mb": round(pcap_bytes / 2**20, 1),
            "evidence": pcap_run["evidence"],
            "seconds": round(pcap_run["seconds"], 2),
            "packets_per_s": round(args.packets / pcap_run["seconds"]),
            "peak_rss_mb": round(pcap_run["peak_rss_mb"], 1),
        },
        "targets": TARGETS,
    }
    result["met"] = {
        "shodan_records_per_s": result["shodan"]["records_per_s"]
        >= TARGETS["shodan_records_per_s"],  # type: ignore[index]
        "pcap_packets_per_s": result["pcap"]["packets_per_s"] >= TARGETS["pcap_packets_per_s"],  # type: ignore[index]
        "peak_rss_mb": max(shodan_run["peak_rss_mb"], pcap_run["peak_rss_mb"])
        <= TARGETS["peak_rss_mb"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "importers.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
