"""Vendor cloud and P2P service domains that CCTV devices contact (shared/reference/protocols.md
§8). A device resolving or connecting to one of these is evidence of who made or runs it.

This table belongs in the knowledge base (``kb/clouds.yaml``) once that exists; the pcap importer
uses it to decide which DNS names and flows are worth keeping.
"""

from __future__ import annotations

#: Domain suffix -> (operator, what the sources say it is).
CLOUD_DOMAINS: dict[str, tuple[str, str]] = {
    "hik-connect.com": ("Hikvision", "Hik-Connect device registration (litedev/dev)"),
    "ezvizlife.com": ("Hikvision", "EZVIZ cloud (litedev, dev, alarm)"),
    "ezviz7.com": ("Hikvision", "EZVIZ cloud (alarm, dev)"),
    "ys7.com": ("Hikvision", "EZVIZ/Ys7 time and logging"),
    "easy4ipcloud.com": ("Dahua", "Dahua/Imou Easy4IP P2P rendezvous (UDP 8800)"),
    "dahuap2pcloud.com": ("Dahua", "Dahua P2P rendezvous (UDP 8800)"),
    "lorexservices.com": ("Lorex", "Lorex P2P services"),
    "tplinkcloud.com": ("TP-Link", "TP-Link/Tapo cloud"),
    "tplinknbu.com": ("TP-Link", "Tapo relay and care services"),
}


def cloud_domain(name: str) -> str | None:
    """The listed domain that ``name`` is (or is under), else None."""
    host = name.strip().rstrip(".").lower()
    while host:
        if host in CLOUD_DOMAINS:
            return host
        _, dot, rest = host.partition(".")
        if not dot:
            return None
        host = rest
    return None
