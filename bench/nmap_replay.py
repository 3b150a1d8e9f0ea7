"""Replay corpus items from loopback listeners and ask ``nmap -sV`` what it sees.

Each item gets its own TCP port on 127.77.0.1. Fragments are wrapped in the smallest response of
their kind that carries them (a Server value becomes a Server header, a realm a 401, a title an
HTML page, a TLS subject a self-signed certificate). UDP discovery protocols (SADP, DHIP,
WS-Discovery) cannot be asked over TCP: their payloads are sent as a greeting, which is all nmap
could ever see of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import defusedxml.ElementTree as safe_et

from bench.corpus import CorpusItem
from camaudit.kb import KnowledgeBase

HOST = "127.77.0.1"
BASE_PORT = 21000
GREETING_KINDS = {"banner", "sadp", "dhip", "wsd_probematch", "mdns"}


def _crlf(head: str) -> str:
    return re.sub(r"\r?\n", "\r\n", head)


def http_response(raw: str, kind: str) -> bytes:
    """A full response carrying ``raw`` (whole responses are replayed as they are)."""
    proto = "RTSP/1.0" if kind == "rtsp" else "HTTP/1.1"
    text = raw.strip("\ufeff")
    if re.match(r"^(HTTP|RTSP)/\d", text):
        head, _sep, body = (
            text.partition("\n\n") if "\r\n\r\n" not in text else text.partition("\r\n\r\n")
        )
        return (_crlf(head) + "\r\n\r\n" + body).encode()
    first = text.strip()
    cseq = "CSeq: 1\r\n" if kind == "rtsp" else ""
    if re.match(r"^(Digest|Basic) ", first, re.I):
        return f"{proto} 401 Unauthorized\r\n{cseq}WWW-Authenticate: {first}\r\nContent-Length: 0\r\n\r\n".encode()
    if re.match(r"^[A-Za-z-]+: ", first) and "\n" not in first:
        status = "401 Unauthorized" if first.lower().startswith("www-authenticate") else "200 OK"
        return f"{proto} {status}\r\n{cseq}{first}\r\nContent-Length: 0\r\n\r\n".encode()
    if (
        kind in ("isapi", "onvif_devinfo", "upnp", "dahua_cgi")
        or "\n" in first
        or first.startswith(("{", "[", "<"))
    ):
        body = (
            first
            if "<title" in first.lower()
            or kind != "http"
            or first.startswith(("{", "[", "<?xml"))
            or "=" in first
            else f"<html><head><title>{first}</title></head></html>"
        )
        return (
            f"{proto} 200 OK\r\n{cseq}Content-Length: {len(body.encode())}\r\n\r\n{body}".encode()
        )
    return f"{proto} 200 OK\r\n{cseq}Server: {first}\r\nContent-Length: 0\r\n\r\n".encode()


def _self_signed(subject_dn: str, workdir: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    try:
        name = x509.Name.from_rfc4514_string(subject_dn.strip())
    except ValueError:
        name = x509.Name(
            [x509.NameAttribute(x509.NameOID.COMMON_NAME, subject_dn.strip()[:64] or "x")]
        )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = workdir / f"{id(cert)}.crt", workdir / f"{id(cert)}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


async def _serve(
    items: list[CorpusItem], ready: threading.Event, stop: asyncio.Event, workdir: Path
) -> None:
    servers = []
    for n, item in enumerate(items):
        raw = item.path.read_bytes()
        tls = None
        if item.kind == "tls":
            tls = _self_signed(raw.decode("utf-8", "replace").splitlines()[0], workdir)
            payload = http_response("nginx", "http")
        elif item.kind in GREETING_KINDS:
            payload = raw
        else:
            payload = http_response(raw.decode("utf-8", "replace"), item.kind)
        greet = item.kind in GREETING_KINDS

        async def handle(
            reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter,
            payload: bytes = payload,
            greet: bool = greet,
            rtsp: bool = item.kind == "rtsp",
        ) -> None:
            try:
                if not greet:
                    # Like a real server: answer requests of its own protocol; to anything else
                    # (nmap's other probes) answer 400 and close instead of holding the line.
                    data = await asyncio.wait_for(reader.read(4096), 10)
                    if not data:
                        return
                    own = rb"RTSP/1\.0" if rtsp else rb"HTTP/1\.[01]"
                    if not re.match(rb"^[A-Z]{3,10} \S+ " + own, data):
                        writer.write(
                            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            if not rtsp
                            else b"RTSP/1.0 400 Bad Request\r\n\r\n"
                        )
                        await writer.drain()
                        return
                writer.write(payload)
                await writer.drain()
            except (TimeoutError, ConnectionError, OSError):
                pass
            finally:
                writer.close()

        servers.append(await asyncio.start_server(handle, HOST, BASE_PORT + n, ssl=tls))
    ready.set()
    await stop.wait()
    for s in servers:
        s.close()


@contextmanager
def replay(items: list[CorpusItem]) -> Iterator[dict[int, CorpusItem]]:
    """Serve every item on its own port while the block runs; yields port → item."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    with tempfile.TemporaryDirectory() as tmp:
        thread = threading.Thread(
            target=lambda: loop.run_until_complete(_serve(items, ready, stop, Path(tmp))),
            daemon=True,
        )
        thread.start()
        if not ready.wait(30):
            raise RuntimeError("replay listeners did not start")
        try:
            yield {BASE_PORT + n: item for n, item in enumerate(items)}
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(10)


def run_nmap(ports: list[int]) -> dict[int, str]:
    """``nmap -sV`` over the ports; returns port → the text nmap printed about the service."""
    if shutil.which("nmap") is None:
        raise RuntimeError("nmap is not installed (apt-get install nmap)")
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        subprocess.run(
            [
                "nmap",
                "-sV",
                "-Pn",
                "-n",
                "-T4",
                "--max-retries",
                "1",
                "-p",
                ",".join(map(str, ports)),
                "-oX",
                out.name,
                HOST,
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
        root = safe_et.parse(out.name).getroot()
    seen: dict[int, str] = {}
    for port in root.iter("port"):
        svc = port.find("service")
        if svc is None:
            continue
        parts = [
            svc.get(a, "")
            for a in ("name", "product", "version", "extrainfo", "devicetype", "ostype")
        ]
        parts += [c.text or "" for c in svc.findall("cpe")]
        seen[int(port.get("portid", "0"))] = " ".join(p for p in parts if p)
    return seen


def maker_named(text: str, kb: KnowledgeBase) -> str | None:
    """The canonical maker a free-text service description names, if any (via KB names)."""
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9.\-]*", text.replace(":", " ").replace("_", " "))
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            match = kb.resolve(" ".join(words[i : i + size]))
            if match is not None:
                if match.brand is None:
                    return match.vendor.name
                return None if match.brand.partial else match.brand.manufacturer
    return None
