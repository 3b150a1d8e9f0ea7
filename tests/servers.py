"""Throwaway real servers for tests: Redis and PostgreSQL on Unix sockets in a private
directory (so processes inside network namespaces reach them too), stopped after.

Each helper skips the test when the server binary (or root, for PostgreSQL's initdb as the
postgres user) is missing; ``make test`` installs both (Makefile APT_TEST)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, Path]]:
    """A redis-server on a Unix socket, persisting every write (as the centre's should, so a
    restart loses no queued message); yields (url, socket path). A test that stops it with
    :func:`stop_redis` and starts it with :func:`restart_redis` must leave one running."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    pytest.importorskip("dramatiq")
    base = Path(tempfile.mkdtemp(prefix="camaudit-redis-"))
    sock = base / "redis.sock"
    proc = subprocess.Popen(
        _redis_command(sock), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _RUNNING[sock] = proc
    try:
        _wait_socket(sock, proc)
        yield f"unix://{sock}", sock
    finally:
        current = _RUNNING.pop(sock, proc)
        current.terminate()
        current.wait(timeout=20)
        shutil.rmtree(base, ignore_errors=True)


_RUNNING: dict[Path, subprocess.Popen[bytes]] = {}


def _wait_socket(sock: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)  # polling for the socket file, not a race


def stop_redis(sock: Path) -> None:
    proc = _RUNNING[sock]
    proc.terminate()
    proc.wait(timeout=20)


def _redis_command(sock: Path) -> list[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    return [
        binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "777",
        "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", str(sock.parent),
    ]  # fmt: skip


def restart_redis(sock: Path) -> None:
    """Start the redis-server of ``sock`` again (after :func:`stop_redis`)."""
    proc = subprocess.Popen(
        _redis_command(sock), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _RUNNING[sock] = proc
    _wait_socket(sock, proc)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextlib.contextmanager
def postgres_server() -> Iterator[tuple[str, Path, Path]]:
    """A PostgreSQL cluster on a Unix socket; yields (SQLAlchemy URL, bindir, data dir)."""
    bindir = _pg_bin()
    if bindir is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries (or root) not available")
    pytest.importorskip("psycopg")
    base = Path(tempfile.mkdtemp(prefix="camaudit-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    shutil.chown(base, "postgres")
    shutil.chown(sock, "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    ctl = [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log")]
    options = ["-o", f"-c listen_addresses='' -k {sock}"]
    subprocess.run([*ctl, *options, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}", bindir, data
    finally:
        subprocess.run([*ctl, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def pg_ctl(bindir: Path, data: Path, action: str) -> None:
    """Stop or start the test cluster (``action`` = "stop" or "start")."""
    as_pg = ["runuser", "-u", "postgres", "--"]
    ctl = [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data.parent / "log")]
    sock = data.parent / "sock"
    extra = ["-o", f"-c listen_addresses='' -k {sock}"] if action == "start" else ["-m", "fast"]
    subprocess.run([*ctl, *extra, action], check=True, capture_output=True)
