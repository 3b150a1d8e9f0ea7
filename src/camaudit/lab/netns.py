"""The namespace mode: the fleet on a private network of its own, so that multicast and broadcast
discovery (WS-Discovery, SADP, DHIP, SSDP, mDNS) runs for real (Linux, root only).

Topology, all of it inside namespaces this run creates (``camlab-<pid>-<n>-*``)::

    camlab-…-hub   a bridge (multicast snooping off, so every group reaches every port)
      ├─ veth ── camlab-…-scan   the scanner: 10.231.0.2/16 on its eth0
      ├─ veth ── camlab-…-dev0   devices 1-256: their addresses on its eth0
      └─ veth ── camlab-…-dev1   devices 257-512 …

Device addresses come from :data:`~camaudit.lab.fleet.NETNS_NETWORK` (10.231.0.0/16), which is
configured only inside these namespaces: the host's namespace has no address, route or link
there, so nothing outside can send to it. Each device namespace is served by a
:class:`~camaudit.lab.runner.LabThread` that first enters it (``setns``), so its devices bind their
own addresses and join the discovery groups on that namespace's interface. Commands run in the
scanner's namespace with :meth:`NetnsLab.run_in_scanner` (``ip netns exec``) and Python callables
with :meth:`NetnsLab.call_in_scanner` (a thread that enters it).

Cleanup always runs: leaving the ``with`` block (normally or by an exception, Ctrl-C included),
:meth:`NetnsLab.stop`, ``atexit``, and SIGTERM (turned into ``SystemExit`` while the lab runs, if
nothing else handles it). Deleting a namespace deletes its links; :meth:`stop` is idempotent and
checks ``ip netns list`` afterwards. A run killed outright leaves namespaces behind; the next run
reaps those whose creating process is gone (:func:`~camaudit.lab.namespaces.reap_stale`).
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import itertools
import logging
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeVar

from camaudit.errors import LabError
from camaudit.lab.base import LabSettings
from camaudit.lab.fleet import NETNS_NETWORK, Fleet
from camaudit.lab.limits import CONNECTION_HEADROOM, ensure_open_files
from camaudit.lab.namespaces import (
    NAME_PREFIX,
    batch,
    delete_namespaces,
    enter_namespace,
    ip_command,
    list_namespaces,
    reap_stale,
    unavailable_reason,
)
from camaudit.lab.persona import Persona
from camaudit.lab.runner import Endpoint, LabThread, count_by_protocol
from camaudit.lab.shards import sockets_needed, split

_T = TypeVar("_T")
logger = logging.getLogger(__name__)
DEVICES_PER_NAMESPACE = 256
SCANNER_HOST = 2  # the scanner is network address + 2 (devices start at + 10)
BRIDGE = "br0"
LINK = "eth0"
_runs = itertools.count()


class NetnsLab:
    """Serve ``fleet`` (built with ``netns=True``) inside network namespaces of its own.

    ``with NetnsLab(fleet) as lab: lab.run_in_scanner(["/usr/bin/python3", "probe.py"])``.
    ``devices_per_namespace`` devices share one namespace (one veth, one serving thread).
    """

    def __init__(
        self,
        fleet: Fleet,
        personas: Mapping[str, Persona] | None = None,
        *,
        settings: LabSettings | None = None,
        protocols: Collection[str] | None = None,
        devices_per_namespace: int = DEVICES_PER_NAMESPACE,
        start_timeout: float = 120.0,
    ) -> None:
        if not fleet.netns:
            raise LabError("this fleet was built for loopback: use build_fleet(..., netns=True)")
        self.fleet = fleet
        self.personas = dict(personas or fleet.personas)
        self.settings = settings
        self.protocols = protocols
        self.start_timeout = start_timeout
        self.run_id = f"{NAME_PREFIX}-{os.getpid()}-{next(_runs)}"
        network = ipaddress.IPv4Network(fleet.subnet)
        self.prefix_length = network.prefixlen
        self.scanner_ip = str(network.network_address + SCANNER_HOST)
        self.hub = f"{self.run_id}-hub"
        self.scanner_namespace = f"{self.run_id}-scan"
        parts = max(1, -(-len(fleet.devices) // max(1, devices_per_namespace)))
        self.groups = split(fleet.devices, parts)
        self.device_namespaces = [f"{self.run_id}-dev{i}" for i in range(len(self.groups))]
        self.threads: list[LabThread] = []
        self._previous_sigterm: Any = None
        self._stopped = True

    # -- public -------------------------------------------------------------------------------

    @property
    def namespaces(self) -> list[str]:
        """Every namespace of this run (hub, scanner, devices)."""
        return [self.hub, self.scanner_namespace, *self.device_namespaces]

    @property
    def endpoints(self) -> list[Endpoint]:
        return [e for thread in self.threads for e in thread.endpoints]

    def endpoint_counts(self) -> dict[str, int]:
        return count_by_protocol(self.endpoints)

    def __enter__(self) -> NetnsLab:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Create the namespaces and links, then serve every device; on failure undo it all."""
        reason = unavailable_reason()
        if reason is not None:
            raise LabError(f"cannot run the lab in network namespaces: {reason}")
        if not self._stopped:
            raise LabError("this namespace lab is already running")
        self._stopped = False
        atexit.register(self.stop)
        self._catch_sigterm()
        try:
            reap_stale()
            self._check_addresses()
            ensure_open_files(sockets_needed(self.fleet) * 2 + CONNECTION_HEADROOM)
            self._build()
            for namespace, devices in zip(self.device_namespaces, self.groups, strict=True):
                part = Fleet(
                    devices,
                    self.fleet.subnet,
                    self.fleet.seed,
                    self.fleet.port_offset,
                    self.personas,
                    netns=True,
                )
                thread = LabThread(
                    part,
                    self.personas,
                    settings=self.settings,
                    protocols=self.protocols,
                    start_timeout=self.start_timeout,
                    namespace=namespace,
                )
                self.threads.append(thread)
                thread.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> list[str]:
        """Stop serving and delete every namespace of this run; return any left behind (none,
        normally). Safe to call again, from atexit or after a failed start."""
        if self._stopped:
            return []
        self._stopped = True
        threads, self.threads = self.threads, []
        for thread in threads:
            with contextlib.suppress(Exception):
                thread.stop()
        left: list[str] = []
        if ip_command() is not None:
            left = delete_namespaces(self.namespaces)
        self._restore_sigterm()
        atexit.unregister(self.stop)
        if left:
            logger.error("lab: could not delete network namespaces %s", left)
        return left

    def leftovers(self) -> list[str]:
        """Namespaces of this run that exist right now."""
        mine = set(self.namespaces)
        return [name for name in list_namespaces() if name in mine]

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` wrapped to run in the scanner's namespace (the program by absolute path)."""
        if not argv:
            raise LabError("no command given")
        program = argv[0]
        if not Path(program).is_absolute():
            found = shutil.which(program)
            if found is None:
                raise LabError(f"command {program!r} not found")
            program = found
        ip = ip_command() or "ip"
        return [ip, "netns", "exec", self.scanner_namespace, program, *argv[1:]]

    def run_in_scanner(
        self, argv: Sequence[str], **kwargs: Any
    ) -> subprocess.CompletedProcess[Any]:
        """Run a command inside the scanner's namespace (``subprocess.run`` keywords apply)."""
        return subprocess.run(self.command(argv), check=False, **kwargs)

    def popen_in_scanner(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start a command inside the scanner's namespace (``subprocess.Popen`` keywords)."""
        return subprocess.Popen(self.command(argv), **kwargs)

    def call_in_scanner(
        self, function: Callable[..., _T], *args: Any, timeout: float = 120.0
    ) -> _T:
        """``function(*args)`` in a thread inside the scanner's namespace: every socket it opens
        lives there (run a coroutine with ``call_in_scanner(asyncio.run, coroutine)``)."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                enter_namespace(self.scanner_namespace)
                outcome["value"] = function(*args)
            except BaseException as exc:  # handed back to the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=target, name="camaudit-lab-scanner", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise LabError(f"the call in the scanner namespace did not return within {timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    # -- building -----------------------------------------------------------------------------

    def _check_addresses(self) -> None:
        taken = {self.scanner_ip}
        for device in self.fleet.devices:
            if ipaddress.IPv4Address(device.ip) not in NETNS_NETWORK:
                raise LabError(f"device address {device.ip} is outside {NETNS_NETWORK}")
            if device.ip in taken:
                raise LabError(f"device address {device.ip} is taken (the scanner's?)")
            taken.add(device.ip)

    def _build(self) -> None:
        batch([f"netns add {name}" for name in self.namespaces])
        pid = os.getpid() % 10_000_000
        hub = [
            "link set lo up",
            f"link add name {BRIDGE} type bridge mcast_snooping 0 stp_state 0",
            f"link set {BRIDGE} up",
        ]
        leaves = [self.scanner_namespace, *self.device_namespaces]
        for index, leaf in enumerate(leaves):
            port = f"v{pid}p{index}"  # hub side; the leaf side is eth0 in its own namespace
            hub += [
                f"link add {port} type veth peer name {LINK} netns {leaf}",
                f"link set {port} master {BRIDGE}",
                f"link set {port} up",
            ]
        batch(hub, self.hub)
        suffix = f"/{self.prefix_length}"
        scanner = ["link set lo up", f"link set {LINK} up"]
        batch([*scanner, f"addr add {self.scanner_ip}{suffix} dev {LINK}"], self.scanner_namespace)
        for namespace, devices in zip(self.device_namespaces, self.groups, strict=True):
            addresses = [f"addr add {d.ip}{suffix} dev {LINK}" for d in devices]
            batch(["link set lo up", f"link set {LINK} up", *addresses], namespace)

    # -- signals ------------------------------------------------------------------------------

    def _catch_sigterm(self) -> None:
        """While the lab runs, SIGTERM raises SystemExit (so ``with`` blocks clean up), unless
        someone else already handles it."""
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return

        def exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(128 + signum)

        self._previous_sigterm = signal.signal(signal.SIGTERM, exit_on_sigterm)

    def _restore_sigterm(self) -> None:
        if self._previous_sigterm is None:
            return
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None


def run_netns(
    fleet: Fleet,
    truth_path: str | Path | None = None,
    *,
    personas: Mapping[str, Persona] | None = None,
    settings: LabSettings | None = None,
    on_ready: Callable[[NetnsLab], None] | None = None,
    command: Sequence[str] | None = None,
) -> int:
    """Serve ``fleet`` in namespaces until SIGINT or SIGTERM, or, with ``command``, until that
    command (run in the scanner's namespace) ends; return its exit status (0 otherwise).

    The ground truth gains ``"scanner": {"namespace", "ip"}``; it is written, and ``on_ready``
    called, once every device is bound.
    """
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in signals}
    try:
        with NetnsLab(fleet, personas, settings=settings) as lab:
            if truth_path is not None:
                scanner = {"namespace": lab.scanner_namespace, "ip": lab.scanner_ip}
                fleet.write_truth(truth_path, extra={"scanner": scanner})
            if on_ready is not None:
                on_ready(lab)
            if command is None:
                while not stop.wait(1.0):
                    pass
                return 0
            return _run_command(lab, command, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_command(lab: NetnsLab, command: Sequence[str], stop: threading.Event) -> int:
    process = lab.popen_in_scanner(command)

    def watch() -> None:
        process.wait()
        stop.set()

    threading.Thread(target=watch, name="camaudit-lab-command", daemon=True).start()
    while not stop.wait(1.0):
        pass
    if process.poll() is None:  # interrupted: end the command before the namespaces go
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
