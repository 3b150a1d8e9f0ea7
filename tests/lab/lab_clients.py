"""Minimal protocol clients for the lab tests: one request, a bounded answer, a short timeout.

They are written from the protocol documents, independently of the lab's server code (only the
DNS codec and the DHIP framing helper are shared, and both are tested on their own).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import os
import socket
import ssl
import uuid

from camaudit.lab import LabDevice
from camaudit.lab.dhip import frame
from camaudit.lab.dns_message import TYPE_PTR, Message, Question, encode_message

TIMEOUT = 5.0
MAX_ANSWER = 256 * 1024
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def udp_query(
    ip: str, port: int, payload: bytes, *, source: str = "127.0.0.1", timeout: float = 2.0
) -> bytes | None:
    """Send one datagram; the first answer, or None if nothing came back in time."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.sendto(payload, (ip, port))
        try:
            data, _ = sock.recvfrom(65535)
        except TimeoutError:
            return None
        return data


def udp_all(ip: str, port: int, payload: bytes, *, wait: float = 1.0) -> list[bytes]:
    """Send one datagram; every answer that arrives within ``wait`` seconds of the last one."""
    out: list[bytes] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(wait)
        sock.sendto(payload, (ip, port))
        while True:
            try:
                out.append(sock.recvfrom(65535)[0])
            except TimeoutError:
                return out


def sadp_inquiry(probe_uuid: str | None = None) -> bytes:
    value = probe_uuid or str(uuid.uuid4()).upper()
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{value}</Uuid>'
        "<Types>inquiry</Types></Probe>"
    ).encode()


def wsd_probe(
    types: str = "dn:NetworkVideoTransmitter", scopes: str = "", message_id: str | None = None
) -> bytes:
    mid = message_id or f"uuid:{uuid.uuid4()}"
    scope_el = f"<d:Scopes>{scopes}</d:Scopes>" if scopes else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="{SOAP12}" '
        'xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        'xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
        f"<e:Header><w:MessageID>{mid}</w:MessageID>"
        "<w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"
        "<w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>"
        f"<e:Body><d:Probe><d:Types>{types}</d:Types>{scope_el}</d:Probe></e:Body></e:Envelope>"
    ).encode()


def dhip_search() -> bytes:
    return frame(b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n')


def msearch(target: str = "ssdp:all") -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        f'MAN: "ssdp:discover"\r\nMX: 1\r\nST: {target}\r\n\r\n'
    ).encode()


def mdns_query(name: str, qtype: int = TYPE_PTR, ident: int = 0x1234) -> bytes:
    return encode_message(Message(id=ident, flags=0, questions=(Question(name, qtype),)))


def tcp_exchange(ip: str, port: int, payload: bytes = b"", *, read_first: bool = False) -> bytes:
    """Connect, optionally read the greeting, send ``payload``, read until the server is quiet."""
    chunks: list[bytes] = []
    with socket.create_connection((ip, port), timeout=TIMEOUT) as sock:
        if read_first:
            chunks.append(sock.recv(65536))
        if payload:
            sock.sendall(payload)
            sock.settimeout(1.0)
            try:
                while sum(map(len, chunks)) < MAX_ANSWER:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if payload.startswith((b"OPTIONS", b"DESCRIBE")) and b"\r\n\r\n" in chunk:
                        break
            except TimeoutError:
                pass
    return b"".join(chunks)


def rtsp(device: LabDevice, method: str, path: str = "/", headers: str = "") -> bytes:
    url = f"rtsp://{device.ip}:{device.ports['rtsp']}{path}"
    request = f"{method} {url} RTSP/1.0\r\nCSeq: 2\r\n{headers}\r\n".encode()
    return tcp_exchange(device.ip, device.ports["rtsp"], request)


def insecure_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def https_get(device: LabDevice, path: str = "/") -> tuple[int, bytes, bytes]:
    """(status, body, server certificate DER) over HTTPS."""
    address = (device.ip, device.ports["https"])
    with (
        socket.create_connection(address, timeout=TIMEOUT) as raw,
        insecure_context().wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True) or b""
        tls.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {device.ip}\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while len(data) < MAX_ANSWER:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body, der


def wsse_header(username: str, password: str, created: str | None = None) -> str:
    nonce = os.urandom(16)
    created = created or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    digest = base64.b64encode(
        hashlib.sha1(nonce + created.encode() + password.encode(), usedforsecurity=False).digest()
    ).decode()
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    kind = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
    return (
        f'<s:Header><Security xmlns="{wsse}"><UsernameToken><Username>{username}</Username>'
        f'<Password Type="{kind}">{digest}</Password><Nonce>{base64.b64encode(nonce).decode()}</Nonce>'
        f'<Created xmlns="{wsu}">{created}</Created></UsernameToken></Security></s:Header>'
    )


def soap(
    device: LabDevice, operation: str, *, header: str = "", authorization: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """POST one ONVIF device-service operation; (status, headers, body)."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP12}">{header}'
        f'<s:Body><{operation} xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
    ).encode()
    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    if authorization:
        headers["Authorization"] = authorization
    conn = http.client.HTTPConnection(device.ip, device.ports["onvif"], timeout=TIMEOUT)
    try:
        conn.request("POST", "/onvif/device_service", body=body, headers=headers)
        response = conn.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(MAX_ANSWER),
        )
    finally:
        conn.close()


def challenge_params(header: str) -> dict[str, str]:
    """The name="value" pairs of one WWW-Authenticate value (test-side parser)."""
    out: dict[str, str] = {}
    for part in header.split(" ", 1)[1].split(","):
        name, _, value = part.strip().partition("=")
        out[name.strip()] = value.strip().strip('"')
    return out


def digest_authorization(
    challenge: str, *, username: str, password: str, method: str, uri: str
) -> str:
    """An RFC 2617 Digest answer to ``challenge`` (qop=auth when offered, MD5)."""
    params = challenge_params(challenge)
    realm, nonce = params["realm"], params["nonce"]

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    ha1, ha2 = md5(f"{username}:{realm}:{password}"), md5(f"{method}:{uri}")
    if "auth" in params.get("qop", "").split(","):
        cnonce, nc = "0a4f113b", "00000001"
        response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        response = md5(f"{ha1}:{nonce}:{ha2}")
        extra = ""
    opaque = f', opaque="{params["opaque"]}"' if "opaque" in params else ""
    return (
        f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}"{extra}{opaque}'
    )


def header_values(answer: bytes, name: str) -> list[str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    prefix = name.lower() + ":"
    return [
        line.split(":", 1)[1].strip()
        for line in head.split("\r\n")
        if line.lower().startswith(prefix)
    ]


def first_reply_after(
    ip: str, port: int, ignored: bytes, probe: bytes, *, timeout: float = 2.0
) -> bytes | None:
    """Send ``ignored`` then ``probe`` from one socket and return the first answer.

    A responder handles one socket's datagrams in order, so if ``ignored`` drew any answer it
    would arrive first: checking that the first answer is the one to ``probe`` proves silence
    without waiting for a timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        if ignored:
            sock.sendto(ignored, (ip, port))
        sock.sendto(probe, (ip, port))
        try:
            return sock.recvfrom(65535)[0]
        except TimeoutError:
            return None
