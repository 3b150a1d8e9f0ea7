"""Open-file budgeting and serving a fleet from several worker processes."""

from __future__ import annotations

import pytest

from camaudit.errors import LabError
from camaudit.lab import build_fleet, limits
from camaudit.lab.shards import ShardedLab, sockets_needed, split, workers_needed
from tests.lab.lab_clients import rtsp, sadp_inquiry, udp_query
from tests.lab.lab_helpers import TEST_PORT_OFFSET, request, unique_subnet


def test_socket_count_skips_mounted_onvif() -> None:
    fleet = build_fleet(
        subnet=unique_subnet(), mix={"hikvision-ipc": 2, "reolink-ipc": 1}, port_offset=0
    )
    # hikvision-ipc: http https rtsp wsd sadp (+ onvif on the http port) = 5 sockets;
    # reolink-ipc: http https rtsp onvif(8000) wsd ssdp = 6 sockets.
    assert sockets_needed(fleet) == 2 * 5 + 6
    assert workers_needed(fleet, ceiling=limits.CONNECTION_HEADROOM + 16) == 1
    assert workers_needed(fleet, ceiling=limits.CONNECTION_HEADROOM + 8) == 2
    with pytest.raises(LabError, match="too low"):
        workers_needed(fleet, ceiling=100)


def test_split_is_contiguous_and_balanced() -> None:
    parts = split(list(range(10)), 3)
    assert parts == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert split([1], 4) == [[1]]


class FakeResource:
    RLIMIT_NOFILE = 7
    RLIM_INFINITY = -1

    def __init__(self, soft: int, hard: int, may_raise_hard: bool) -> None:
        self.limits = (soft, hard)
        self.may_raise_hard = may_raise_hard

    def getrlimit(self, _: int) -> tuple[int, int]:
        return self.limits

    def setrlimit(self, _: int, value: tuple[int, int]) -> None:
        if value[1] > self.limits[1] and not self.may_raise_hard:
            raise ValueError("not allowed to raise maximum limit")
        self.limits = value


def test_ensure_open_files_raises_soft_then_hard(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeResource(1024, 20000, may_raise_hard=False)
    monkeypatch.setattr(limits, "resource", fake)
    assert limits.ensure_open_files(5000) == 5000 and fake.limits == (5000, 20000)
    with pytest.raises(LabError, match="needs about 30000 open files"):
        limits.ensure_open_files(30000)
    privileged = FakeResource(1024, 20000, may_raise_hard=True)
    monkeypatch.setattr(limits, "resource", privileged)
    monkeypatch.setattr(limits, "_nr_open", lambda: 1 << 20)
    assert limits.ensure_open_files(30000) == 30000
    assert limits.open_file_ceiling() == 30000


def test_sharded_lab_serves_every_device_from_two_workers() -> None:
    fleet = build_fleet(devices=6, subnet=unique_subnet(), seed=2, port_offset=TEST_PORT_OFFSET)
    lab = ShardedLab(fleet, workers=2)
    lab.start()
    try:
        assert len(lab.worker_max_rss_kb) == 2 and lab.unserved == []
        assert sorted(lab.endpoints) == sorted(
            (d.ip, port, proto) for d in fleet.devices for proto, port in d.ports.items()
        )
        for device in fleet.devices:
            assert request(device, "/")[0] in (200, 302)
            assert rtsp(device, "OPTIONS").startswith(b"RTSP/1.0 200")
        hik = fleet.devices[0]
        assert udp_query(hik.ip, hik.ports["sadp"], sadp_inquiry()) is not None
    finally:
        lab.stop()
    assert lab.endpoints == []
    with pytest.raises(OSError):
        request(fleet.devices[-1], "/")  # every worker released its sockets


def test_sharded_lab_reports_a_worker_failure() -> None:
    fleet = build_fleet(devices=2, subnet=unique_subnet(), port_offset=TEST_PORT_OFFSET)
    fleet.devices[1].ip = "10.0.0.1"  # the second worker refuses it
    lab = ShardedLab(fleet, workers=2)
    with pytest.raises(LabError, match=r"outside 127\.0\.0\.0/8"):
        lab.start()
    assert lab.endpoints == []
