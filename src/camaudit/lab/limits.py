"""Open-file limits: the lab needs one descriptor per (address, port) it serves.

Linux cannot accept connections for a whole block of addresses on one listening socket without
TPROXY rules (which need root and change the host's firewall), so the lab binds one socket per
(device address, port): a 5,000-device estate with every protocol needs about 24,000. At start
the runner raises the soft ``RLIMIT_NOFILE`` as far as needed (up to the hard limit), and the hard
limit too when the process may (CAP_SYS_RESOURCE, up to ``fs.nr_open``). If that is still not
enough, one process cannot serve the fleet: :mod:`camaudit.lab.shards` splits it over several.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from camaudit.errors import LabError

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no RLIMIT_NOFILE, nothing to raise
    resource = None  # type: ignore[assignment]

CONNECTION_HEADROOM = 4096  # descriptors left for live connections, logs, the event loop


def _nr_open() -> int:
    try:
        return int(Path("/proc/sys/fs/nr_open").read_text().strip())
    except (OSError, ValueError):
        return 1 << 20


def ensure_open_files(needed: int) -> int:
    """Make at least ``needed`` descriptors available (soft limit); return the soft limit."""
    if resource is None:
        return needed
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    infinite = resource.RLIM_INFINITY
    if soft == infinite or soft >= needed:
        return needed if soft == infinite else soft
    if hard != infinite and hard < needed:
        ceiling = min(needed, _nr_open())
        with contextlib.suppress(ValueError, OSError):  # not privileged: keep the hard limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, ceiling))
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == infinite else min(needed, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft < needed:
        raise LabError(
            f"the lab needs about {needed} open files (one per served address and port, plus "
            f"{CONNECTION_HEADROOM} for connections) but the limit is {soft} (hard {hard}): "
            "raise it (ulimit -n), serve fewer devices or protocols, or split the fleet over "
            "processes (camaudit.lab.ShardedLab; `camaudit lab run` does this by itself)"
        )
    return soft


def open_file_ceiling() -> int:
    """The highest soft limit this process can set without privileges (the hard limit)."""
    if resource is None:
        return 1 << 20
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return _nr_open() if hard == resource.RLIM_INFINITY else int(hard)


def max_rss_kb() -> int:
    """Peak resident memory of this process in KiB (0 where the platform cannot say)."""
    if resource is None:
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
