"""nmap XML (``-oX``), read as a stream with defusedxml (no DTD entities, no external fetches).

Per host: its MAC address (``mac``; nmap's vendor name is not kept, the OUI index knows it), its
host names (``hostname``), and per port:

- ``servicefp`` (unmatched service fingerprints) decoded back to each probe's response bytes:
  ``http``/``rtsp``/``banner`` by content;
- NSE output: ``http-title`` (a ``<title>`` fragment), ``http-server-header`` (a Server
  fragment), ``http-headers`` (header lines), ``http-auth`` (the realm), ``http-favicon`` (the
  MD5 it prints for unknown icons), ``rtsp-methods``, ``rtsp-url-brute`` (discovered URLs),
  ``ssl-cert`` (the PEM, else subject and issuer), ``upnp-info`` and ``wsdd-discover``;
  pre-scan ``broadcast-wsdd-discover`` / ``broadcast-upnp-info`` per listed device;
- the service match (product, version, extra info, device type, OS type, CPEs) when nmap
  probed for it: nmap's conclusion, kept as an ``asset_row`` claim (``claimed_by: nmap -sV``),
  not as device output; the KB reads its description words and its CPE vendor at modest weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from camaudit.errors import EvidenceFormatError
from camaudit.identify.extract.decoding import resolve_encoding
from camaudit.importers.base import (
    asset_row_payload,
    make_evidence,
    open_binary,
    parse_ip,
    parse_mac,
    parse_timestamp,
    source_label,
)
from camaudit.importers.nmap_scripts import (
    Item,
    broadcast_items,
    script_items,
    servicefp_items,
)
from camaudit.importers.shapes import scanner_claim
from camaudit.models import Evidence, EvidenceKind

#: Most bytes of XML one ``<host>`` (or other top-level element) may take.
MAX_HOST_BYTES = 64 * 1024 * 1024


def safe_declaration(head: bytes) -> bytes:
    """``head`` with an XML declaration naming a non-allowed encoding rewritten to UTF-8, so the
    parser never looks up a codec the file chose."""
    m = _DECL_ENCODING.match(head)
    if m and resolve_encoding(m.group(2).decode("ascii", "replace")) is None:
        return head[: m.start(2)] + b"utf-8" + head[m.end(2) :]
    return head


_DECL_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]{0,200}?encoding\s*=\s*["'])([^"']{0,40})["']""")


class _HostTooLarge(Exception):
    pass


class _CountingReader:
    """A file wrapper that fails once too many bytes were read since the last :meth:`reset`."""

    def __init__(self, fh: IO[bytes], limit: int) -> None:
        self._fh = fh
        self._limit = limit
        self._since = 0
        self._first = True

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size if size and size > 0 else 64 * 1024)
        if self._first:
            self._first = False
            data = safe_declaration(data)
        self._since += len(data)
        if self._since > self._limit:
            raise _HostTooLarge
        return data

    def reset(self) -> None:
        self._since = 0


class NmapImporter:
    """nmap XML output (``-oX``), streaming."""

    name = "nmap"
    description = "nmap XML output (-oX), with -sV service fingerprints and NSE script output"

    def __init__(self, max_host_bytes: int = MAX_HOST_BYTES) -> None:
        self.max_host_bytes = max_host_bytes

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence of every host, one ``<host>`` element in memory at a time."""
        with open_binary(path) as fh:
            reader = _CountingReader(fh, self.max_host_bytes)
            yield from self._parse(path, reader)

    def _parse(self, path: Path, reader: _CountingReader) -> Iterator[Evidence]:
        hosts = 0
        root: Element | None = None
        depth = 0
        try:
            for event, elem in safe_et.iterparse(reader, events=("start", "end")):
                if event == "start":
                    if root is None:
                        root = elem
                        if elem.tag != "nmaprun":
                            raise EvidenceFormatError(
                                f"root element is <{elem.tag[:40]}>, not <nmaprun>: not nmap XML",
                                line=1,
                                source=str(path),
                            )
                    depth += 1
                    continue
                depth -= 1
                if depth != 1:
                    continue
                if elem.tag == "host":
                    hosts += 1
                    yield from _host(path, hosts, elem)
                elif elem.tag == "prescript":
                    yield from _prescript(path, elem)
                assert root is not None
                root.clear()
                reader.reset()
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            raise EvidenceFormatError(
                f"malformed XML after host {hosts} ({exc})", line=line, source=str(path)
            ) from None
        except DefusedXmlException as exc:
            raise EvidenceFormatError(
                f"refused XML construct after host {hosts}: {type(exc).__name__}",
                source=str(path),
            ) from None
        except _HostTooLarge:
            raise EvidenceFormatError(
                f"host {hosts + 1}: element larger than {self.max_host_bytes} bytes",
                source=str(path),
            ) from None
        if root is None:
            raise EvidenceFormatError("empty file: not nmap XML", source=str(path))


def _addresses(host: Element, path: Path, record: int) -> tuple[str | None, str | None]:
    ip: str | None = None
    mac: str | None = None
    for address in host.findall("address"):
        kind = address.get("addrtype", "")
        value = address.get("addr", "")
        if kind in ("ipv4", "ipv6"):
            parsed = parse_ip(value)
            if parsed is None:
                raise EvidenceFormatError(
                    f"host {record}: {value[:64]!r} is not an IP address", source=str(path)
                )
            ip = ip or parsed
        elif kind == "mac":
            mac = parse_mac(value)
            if mac is None:
                raise EvidenceFormatError(
                    f"host {record}: {value[:64]!r} is not a MAC address", source=str(path)
                )
    return ip, mac


def _host(path: Path, record: int, host: Element) -> Iterator[Evidence]:
    ip, mac = _addresses(host, path, record)
    ts = parse_timestamp(host.get("starttime"))
    where = f"host {record}"
    if mac is not None:
        source = source_label("nmap", path, where, "address")
        yield make_evidence(EvidenceKind.MAC, mac, source, ip=ip, mac=mac, ts=ts)
    for hostname in host.findall("hostnames/hostname"):
        name = (hostname.get("name") or "").strip()
        if name:
            source = source_label(
                "nmap", path, where, f"hostname {hostname.get('type', '')}".strip()
            )
            yield make_evidence(EvidenceKind.HOSTNAME, name, source, ip=ip, mac=mac, ts=ts)
    for port in host.findall("ports/port"):
        yield from _port(path, where, port, ip, mac, ts)
    for script in host.findall("hostscript/script"):
        for kind, payload, detail in script_items(script):
            source = source_label("nmap", path, where, detail)
            yield make_evidence(kind, payload, source, ip=ip, mac=mac, ts=ts)


def _port(
    path: Path,
    where: str,
    port: Element,
    ip: str | None,
    mac: str | None,
    ts: datetime | None,
) -> Iterator[Evidence]:
    raw_port = port.get("portid", "")
    digits = (
        raw_port.isascii() and raw_port.isdigit() and len(raw_port) <= 5
    )  # not '²', not 10^4400
    number = int(raw_port) if digits and int(raw_port) <= 65535 else None
    if number is None:
        raise EvidenceFormatError(f"{where}: bad portid {raw_port[:16]!r}", source=str(path))
    proto = port.get("protocol", "tcp")
    items: list[Item] = []
    service = port.find("service")
    if service is not None and service.get("servicefp"):
        items.extend(servicefp_items(service.get("servicefp", "")))
    for script in port.findall("script"):
        items.extend(script_items(script))
    items = _without_repeated_server(items)
    for kind, payload, detail in items:
        source = source_label("nmap", path, f"{where} {proto}/{number}", detail)
        yield make_evidence(kind, payload, source, ip=ip, port=number, mac=mac, ts=ts)
    if service is not None and service.get("method") == "probed":
        claim = scanner_claim(
            "nmap -sV",
            product=service.get("product"),
            version=service.get("version"),
            info=service.get("extrainfo"),
            device_type=service.get("devicetype"),
            cpes=[c.text or "" for c in service.findall("cpe")],
            os_type=service.get("ostype"),
        )
        if claim is not None:
            source = source_label("nmap", path, f"{where} {proto}/{number}", "service")
            yield make_evidence(
                EvidenceKind.ASSET_ROW,
                asset_row_payload(claim),
                source,
                ip=ip,
                port=number,
                mac=mac,
                ts=ts,
            )


def _without_repeated_server(items: list[Item]) -> list[Item]:
    """Drop ``http-server-header`` fragments whose Server value ``http-headers`` or a
    fingerprinted reply already holds (the same header seen twice is one observation)."""
    headers = b"\r\n".join(
        p for _, p, d in items if d == "http-headers" or d.startswith("servicefp ")
    ).lower()
    return [
        item for item in items if item[2] != "http-server-header" or item[1].lower() not in headers
    ]


def _prescript(path: Path, prescript: Element) -> Iterator[Evidence]:
    for script in prescript.findall("script"):
        for address, (kind, payload, detail) in broadcast_items(script):
            ip = parse_ip(address)
            if ip is not None:
                source = source_label("nmap", path, "prescript", detail)
                yield make_evidence(kind, payload, source, ip=ip)
