"""Starting imports (from an upload) and scans (of an admin-set scope) as background jobs."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from camaudit.accounts import Capability
from camaudit.errors import InputError, NotFoundError
from camaudit.estate import ScopedEstate
from camaudit.importers import REGISTRY as IMPORTERS
from camaudit.probes.base import ProbeResult
from camaudit.web.jobs import Job, JobManager

#: Largest upload accepted (bytes).
MAX_UPLOAD = 256 * 1024 * 1024
_CHUNK = 1024 * 1024
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


async def save_upload(upload: UploadFile, max_bytes: int = MAX_UPLOAD) -> Path:
    """Stream an upload to a private temporary file, refusing more than ``max_bytes``."""
    suffix = Path(upload.filename or "").suffix
    tmpdir = Path(tempfile.mkdtemp(prefix="camaudit-upload-"))
    path = tmpdir / ("upload" + (suffix if _SUFFIX.match(suffix) else ""))
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"the file is larger than {max_bytes // (1024 * 1024)} MiB")
                out.write(chunk)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    if size == 0:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise InputError("the uploaded file is empty")
    return path


def start_import(
    estate: ScopedEstate,
    jobs: JobManager,
    org_id: int,
    fmt: str,
    path: Path,
    *,
    site: str | None,
    filename: str,
) -> Job:
    """Check the caller may import for ``org_id``, then import in the background."""
    if fmt not in IMPORTERS:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise InputError(f"unknown import format {fmt!r}; choose one of: {', '.join(IMPORTERS)}")
    try:
        org = estate.org(org_id, Capability.OPERATE)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    job = Job(jobs.new_id(), "import", org.name, estate.principal.username, f"{fmt}: {filename}")

    def work(j: Job) -> int | None:
        def progress(n: int) -> None:
            j.done = n
            j.message = f"{n} records read"

        try:
            result = estate.import_file(
                org_id, fmt, path, site=site, filename=filename, progress=progress
            )
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        j.done = result.records
        j.message = f"{result.records} records, {len(result.devices)} devices"
        return result.audit.id

    return jobs.start(job, work)


def start_scan(estate: ScopedEstate, jobs: JobManager, scope_id: int) -> Job:
    """Check the caller may scan this scope, then scan it in the background."""
    scope = estate.scope(scope_id)
    job = Job(jobs.new_id(), "scan", scope.org, estate.principal.username, scope.name)

    def work(j: Job) -> int | None:
        def on_plan(total: int, done: int) -> None:
            j.total, j.done = total, max(j.done, done)

        def on_result(_r: ProbeResult) -> None:
            j.done += 1
            j.message = f"{j.done} of {j.total or '?'} probe jobs"

        result = estate.scan(scope_id, on_plan=on_plan, on_result=on_result)
        j.message = f"{len(result.devices)} devices identified"
        return result.audit.id

    return jobs.start(job, work)


def job_for(estate: ScopedEstate, jobs: JobManager, job_id: str) -> Job:
    """A job the caller may watch (operators of its organisation), else not found."""
    job = jobs.get(job_id)
    if job is None or not estate.principal.can(job.org, Capability.OPERATE):
        raise NotFoundError("no such job")
    return job
