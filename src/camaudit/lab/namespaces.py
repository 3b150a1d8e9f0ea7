"""Low-level network-namespace operations for the lab's namespace mode (Linux, root only).

Namespaces are made and deleted with iproute2 (``ip netns add/delete``, which keeps a handle in
``/run/netns/<name>``); a thread enters one with ``setns(2)`` (``os.setns`` on Python 3.12+,
libc through ctypes before), after which every socket it opens lives in that namespace. Every
name the lab creates starts with ``camlab-<pid>-<n>-``, so parallel runs never clash and the
namespaces of a run that was killed outright (``kill -9``) can be recognised and reaped by the
next one (:func:`reap_stale`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from camaudit.errors import LabError

NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000
NAME_PREFIX = "camlab"
_RUN_NAME = re.compile(rf"^{NAME_PREFIX}-(\d+)-\d+-")
COMMAND_TIMEOUT = 60.0


def ip_command() -> str | None:
    """Absolute path of iproute2's ``ip``, or None."""
    found = shutil.which("ip")
    if found:
        return found
    for candidate in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"):
        if Path(candidate).exists():
            return candidate
    return None


def unavailable_reason() -> str | None:
    """Why the namespace mode cannot run here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "network namespaces exist on Linux only"
    if os.geteuid() != 0:
        return "the namespace mode needs root (it creates namespaces, veth pairs and a bridge)"
    if ip_command() is None:
        return "iproute2's `ip` command is not installed (apt-get install iproute2)"
    return None


def _ip() -> str:
    path = ip_command()
    if path is None:
        raise LabError("iproute2's `ip` command is not installed")
    return path


def run_ip(args: Sequence[str], *, stdin: str | None = None, check: bool = True) -> str:
    """Run ``ip ARGS`` (with ``-batch -`` input when ``stdin`` is given); LabError on failure."""
    command = [_ip(), *args]
    try:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"`{' '.join(command[:4])} ...` failed: {exc}") from exc
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LabError(f"`ip {' '.join(args)}` failed: {detail[-1] if detail else done.returncode}")
    return done.stdout


def batch(commands: Sequence[str], namespace: str | None = None, *, force: bool = False) -> None:
    """Run iproute2 commands (one per line) in one ``ip -batch -``, inside ``namespace``."""
    if not commands:
        return
    args = ["-n", namespace] if namespace else []
    args += ["-force"] if force else []
    run_ip([*args, "-batch", "-"], stdin="\n".join(commands) + "\n", check=not force)


def list_namespaces() -> list[str]:
    """Names of the named network namespaces (``ip netns list``)."""
    out = run_ip(["netns", "list"], check=False)
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def delete_namespaces(names: Sequence[str]) -> list[str]:
    """Delete ``names`` (missing ones are fine); return those still present afterwards."""
    wanted = set(names)
    present = [name for name in list_namespaces() if name in wanted]
    batch([f"netns delete {name}" for name in present], force=True)
    left = [name for name in list_namespaces() if name in wanted]
    for name in left:  # one more try each, e.g. after a busy mount
        run_ip(["netns", "delete", name], check=False)
    return [name for name in list_namespaces() if name in wanted]


def _pid_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def reap_stale() -> list[str]:
    """Delete lab namespaces whose creating process is gone; return their names."""
    stale = []
    for name in list_namespaces():
        match = _RUN_NAME.match(name)
        if match and not _pid_alive(int(match.group(1))):
            stale.append(name)
    delete_namespaces(stale)
    return stale


def _setns(fd: int) -> None:
    native = getattr(os, "setns", None)
    if native is not None:  # Python 3.12+
        native(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def enter_namespace(name: str) -> None:
    """Move the calling thread (only it) into network namespace ``name``."""
    try:
        fd = os.open(NETNS_DIR / name, os.O_RDONLY)
    except OSError as exc:
        raise LabError(f"network namespace {name} does not exist: {exc.strerror}") from exc
    try:
        _setns(fd)
    except OSError as exc:
        raise LabError(f"cannot enter network namespace {name}: {exc.strerror}") from exc
    finally:
        os.close(fd)


def namespace_id(name: str) -> int | None:
    """The inode that identifies namespace ``name``, or None if it does not exist."""
    with contextlib.suppress(OSError):
        return (NETNS_DIR / name).stat().st_ino
    return None


def current_namespace_id() -> int:
    """The inode of the calling thread's network namespace."""
    return Path("/proc/thread-self/ns/net").stat().st_ino


def in_namespace(name: str) -> bool:
    """Whether the calling thread is inside network namespace ``name``."""
    wanted = namespace_id(name)
    return wanted is not None and wanted == current_namespace_id()
