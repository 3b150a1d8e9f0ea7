"""No packet ever goes to an address outside the scan scope — proved on the wire.

tcpdump captures everything on the loopback interface for the lab's /24 while a scan runs over
part of it (with exclusions). Every packet's destination must be inside the scope, or be a reply
to the scanner. Root only (tcpdump); skipped otherwise.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess

import pytest

from camaudit import api
from camaudit.lab import LabThread, build_fleet
from camaudit.net.scope import Scope
from camaudit.scan import ScanOptions
from camaudit.store import Store

dpkt = pytest.importorskip("dpkt")


def _packets(path):
    with open(path, "rb") as fh:
        for _ts, buf in dpkt.pcap.Reader(fh):
            # Linux "any"/loopback captures: Ethernet framing with zero MACs on lo.
            eth = dpkt.ethernet.Ethernet(buf)
            if isinstance(eth.data, dpkt.ip.IP):
                yield eth.data


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("tcpdump") is None, reason="needs root and tcpdump"
)
def test_no_packet_to_out_of_scope_addresses(tmp_path, loopback_subnet):
    net = ipaddress.ip_network(loopback_subnet)
    fleet = build_fleet(devices=20, subnet=loopback_subnet, port_offset=0)
    addrs = [d.ip for d in fleet.devices]
    targets = [f"{addrs[0]}-{addrs[-1].rsplit('.', 1)[1]}"]
    exclude = [addrs[3], addrs[7], f"{addrs[12]}/31"]
    scope = Scope.parse(targets, exclude)
    out_of_scope = {a for a in addrs if a not in scope}
    assert len(out_of_scope) >= 3

    pcap = tmp_path / "lo.pcap"
    dump = subprocess.Popen(
        ["tcpdump", "-i", "lo", "-U", "-n", "-w", str(pcap), "net", str(net)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert dump.stderr is not None
        line = dump.stderr.readline()  # "listening on lo ..." once the capture is live
        assert "listening" in line, line
        with LabThread(fleet), Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
            result = api.scan(
                targets, exclude=exclude, store=store, options=ScanOptions(timeout=1.0, rate=0)
            )
    finally:
        dump.terminate()
        dump.wait(timeout=10)
    assert {d.ip for d in result.devices} <= {a for a in addrs if a in scope}
    seen_dst: set[str] = set()
    for ip in _packets(pcap):
        dst, src = str(ipaddress.ip_address(ip.dst)), str(ipaddress.ip_address(ip.src))
        seen_dst.add(dst)
        assert dst not in out_of_scope, f"packet from {src} to out-of-scope {dst}"
        assert src not in out_of_scope, f"out-of-scope {src} answered: it must have been contacted"
    assert seen_dst & set(scope), "the capture saw no scan traffic at all"
